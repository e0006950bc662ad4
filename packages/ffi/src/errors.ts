/**
 * Errors of the ffi layer: one class, branded so `isInstance` works across duplicate installs,
 * with Node-style `code` (errno names for kernel errors, `ERR_VMCI_*` for ours) and a message that
 * says what to do.
 */
import { describeErrno } from './errno.js';

const marker = Symbol.for('vmci.ffi.error');

/** Codes of errors that do not come from the kernel. */
export type VmciErrorCode =
  | 'ERR_VMCI_UNSUPPORTED_PLATFORM'
  | 'ERR_VMCI_INVALID_ADDRESS'
  | 'ERR_VMCI_INVALID_ARGUMENT'
  | 'ERR_VMCI_SOCKET_CLOSED'
  | 'ERR_VMCI_POLL_BUSY'
  | 'ERR_VMCI_NOT_AVAILABLE'
  | 'ERR_VMCI_UNSUPPORTED';

/** A vsock address as the errors report it. */
export interface VsockAddress {
  readonly cid: number;
  readonly port: number;
}

export interface VmciErrorOptions {
  /** The failed syscall (`connect`), for kernel errors. */
  readonly syscall?: string;
  /** The errno number, for kernel errors. */
  readonly errno?: number;
  readonly address?: VsockAddress;
  readonly cause?: unknown;
}

export class VmciError extends Error {
  /** Brand checked by `isInstance`. */
  readonly [marker] = true;
  /** `ECONNRESET`-style errno name, or `ERR_VMCI_*`. */
  readonly code: string;
  /** The errno number as C sees it (positive; Node's own system errors use its negative). */
  readonly errno: number | undefined;
  readonly syscall: string | undefined;
  readonly address: VsockAddress | undefined;

  constructor(code: string, message: string, options: VmciErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'VmciError';
    this.code = code;
    this.errno = options.errno;
    this.syscall = options.syscall;
    this.address = options.address;
  }

  static isInstance(value: unknown): value is VmciError {
    return typeof value === 'object' && value !== null && marker in value;
  }
}

export function formatAddress(address: VsockAddress | undefined): string {
  return address ? ` (vsock ${address.cid}:${address.port})` : '';
}

/** The error for a failed syscall: errno name as `code`, a hint as the message. */
export function errnoError(syscall: string, errno: number, context: ErrnoContext = {}): VmciError {
  const { name, hint } = describeErrno(errno, syscall, context);
  return new VmciError(
    name,
    `${syscall} failed: ${name}${formatAddress(context.address)}: ${hint}`,
    {
      syscall,
      errno,
      ...(context.address ? { address: context.address } : {}),
    },
  );
}

export interface ErrnoContext {
  readonly address?: VsockAddress;
  /** The socket type, when it changes the advice (datagrams need VMCI). */
  readonly socketType?: 'stream' | 'dgram' | 'seqpacket';
}
