/**
 * The error hierarchy of every vmci package, as undici's: a base class and subclasses, each with
 * its own brand (a `Symbol.for` key), so `isInstance` and `instanceof` hold across duplicate
 * installs and a class never accepts its siblings. `code` is one of the registered codes
 * (`error-codes.ts`: errno names for kernel errors, `ERR_VMCI_*` for ours, Node's `ERR_*` for
 * plain bad arguments); `exitCode` is what the `vmci` command line exits with.
 */
import { describeErrno } from './errno.js';
import { exitCodeFor, type VmciErrorCode } from './error-codes.js';

/** A vsock address: a context id (CID) and a port, both unsigned 32-bit. */
export interface VsockAddress {
  readonly cid: number;
  readonly port: number;
}

/** What a {@link VmciError} carries besides its code and message. */
export interface VmciErrorOptions {
  /** The failed syscall (`connect`), for kernel errors. */
  readonly syscall?: string;
  /** The errno number, for kernel errors. */
  readonly errno?: number;
  readonly address?: VsockAddress;
  readonly cause?: unknown;
}

const brandKey = (name: string) => Symbol.for(`vmci.error.${name}`);
/** The base brand (the name the first release used, so older copies are recognised too). */
const baseBrand = Symbol.for('vmci.ffi.error');

/**
 * Gives an error class its own brand: a prototype getter under `Symbol.for('vmci.error.<name>')`
 * that its `isInstance` (and `instanceof`) checks. Call once for every subclass.
 */
export function brandErrorClass(
  errorClass: abstract new (...args: never[]) => Error,
  name: string,
): void {
  const brand = brandKey(name);
  Object.defineProperty(errorClass.prototype, brand, { get: () => true, configurable: true });
  Object.defineProperty(errorClass, brandSymbol, { value: brand, configurable: true });
}

const brandSymbol = Symbol('vmci.error.classBrand');

function hasBrand(value: unknown, brand: symbol): boolean {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    (value as Record<symbol, unknown>)[brand] === true
  );
}

/** Whether `value` carries the brand of `errorClass` (its own one: never a parent's). */
function isBranded(errorClass: { name: string }, value: unknown): boolean {
  const own = Object.hasOwn(errorClass, brandSymbol)
    ? (errorClass as unknown as Record<symbol, symbol>)[brandSymbol]
    : undefined;
  if (!own)
    throw new TypeError(
      `${errorClass.name} has no brand of its own: call brandErrorClass(${errorClass.name}, '${errorClass.name}')`,
    );
  return hasBrand(value, own);
}

/**
 * The error every vmci package throws: a registered `code` (an errno name, `ERR_VMCI_*`, or
 * Node's `ERR_*` for a bad argument), the failed `syscall`, `errno` and vsock `address` where
 * there is one, and the `exitCode` of the `vmci` command line. Check with
 * `VmciError.isInstance(error)`, which holds across duplicate installs.
 */
export class VmciError extends Error {
  /** `ECONNRESET`-style errno name, `ERR_VMCI_*`, or Node's `ERR_*` for a bad argument. */
  readonly code: VmciErrorCode;
  /** The errno number as C sees it (positive; Node's own system errors use its negative). */
  readonly errno: number | undefined;
  readonly syscall: string | undefined;
  readonly address: VsockAddress | undefined;

  constructor(code: VmciErrorCode, message: string, options: VmciErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'VmciError';
    this.code = code;
    this.errno = options.errno;
    this.syscall = options.syscall;
    this.address = options.address;
  }

  /** Exit code of the `vmci` command line for this error: 2 for bad arguments, 1 otherwise. */
  get exitCode(): 1 | 2 {
    return exitCodeFor(this.code);
  }

  /**
   * `instanceof` for this class that also holds across duplicate installs; a subclass's
   * `isInstance` accepts only that subclass (and its own subclasses), never its siblings.
   */
  static isInstance<T extends abstract new (...args: never[]) => VmciError>(
    this: T,
    value: unknown,
  ): value is InstanceType<T> {
    // biome-ignore lint/complexity/noThisInStatic: each subclass checks its own brand
    return isBranded(this, value);
  }

  static [Symbol.hasInstance](value: unknown): boolean {
    // biome-ignore lint/complexity/noThisInStatic: each subclass checks its own brand
    return isBranded(this, value);
  }
}
Object.defineProperty(VmciError.prototype, baseBrand, { get: () => true, configurable: true });
Object.defineProperty(VmciError, brandSymbol, { value: baseBrand, configurable: true });

/** Codes of the argument errors that are Node's own (and so a `TypeError` / `RangeError`). */
type NodeArgumentCode = 'ERR_INVALID_ARG_TYPE' | 'ERR_INVALID_ARG_VALUE' | 'ERR_OUT_OF_RANGE';

/**
 * A bad argument as `net` reports it: a `TypeError` (`ERR_INVALID_ARG_TYPE`,
 * `ERR_INVALID_ARG_VALUE`) or `RangeError` (`ERR_OUT_OF_RANGE`) with Node's code — and a
 * `VmciError` too (`VmciError.isInstance`, `instanceof VmciError`, `exitCode` 2).
 */
export function argumentError(code: NodeArgumentCode, message: string): VmciError {
  const ErrorType = code === 'ERR_OUT_OF_RANGE' ? RangeError : TypeError;
  const error = new ErrorType(message) as unknown as Record<PropertyKey, unknown>;
  Object.defineProperty(error, baseBrand, { value: true });
  error.code = code;
  Object.defineProperty(error, 'exitCode', { value: exitCodeFor(code) });
  return error as unknown as VmciError;
}

/** ` (vsock CID:PORT)`, the address part of every error message that has one; '' without. */
export function formatAddress(address: VsockAddress | undefined): string {
  return address ? ` (vsock ${address.cid}:${address.port})` : '';
}

/**
 * A failed syscall as the kernel transport reports it (and the testkit's fake, which must look the
 * same): `<syscall> failed: <CODE> (vsock CID:PORT): <hint>`, with `syscall`, `errno` and
 * `address` set.
 */
export function syscallError(
  code: VmciErrorCode,
  syscall: string,
  hint: string,
  details: { readonly errno?: number; readonly address?: VsockAddress | undefined } = {},
): VmciError {
  return new VmciError(
    code,
    `${syscall} failed: ${code}${formatAddress(details.address)}: ${hint}`,
    {
      syscall,
      ...(details.errno !== undefined ? { errno: details.errno } : {}),
      ...(details.address ? { address: details.address } : {}),
    },
  );
}

/** The error for a failed syscall: errno name as `code`, a hint as the message. */
export function errnoError(syscall: string, errno: number, context: ErrnoContext = {}): VmciError {
  const { name, hint } = describeErrno(errno, syscall, context);
  return syscallError(name, syscall, hint, { errno, address: context.address });
}

/**
 * The `code` of anything thrown, when it has one that is a non-empty string (Node's and ours);
 * undefined otherwise (a `DOMException`'s numeric code, a thrown string, `null`). Callers say
 * their own fallback: `errorCodeOf(error) ?? 'ERR_UNKNOWN'`.
 */
export function errorCodeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' && code !== '' ? code : undefined;
}

export interface ErrnoContext {
  readonly address?: VsockAddress;
  /** The socket type, when it changes the advice (datagrams need VMCI). */
  readonly socketType?: 'stream' | 'dgram' | 'seqpacket';
}
