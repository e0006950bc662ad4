/**
 * Argument checks and call-shape normalisers, in one place for every API and every transport —
 * as `lib/net.js`'s `normalizeArgs` and `lib/internal/validators.js` are for `net`.
 *
 * Numbers that are not addresses fail with Node's own codes: `ERR_INVALID_ARG_TYPE` (not a number)
 * and `ERR_OUT_OF_RANGE` (NaN, negative, too large). CIDs and ports fail with
 * `ERR_VMCI_INVALID_ADDRESS` (see `address.ts`): vsock addresses are not IP ones.
 */
import { argumentError, VmciError } from '@vmci/ffi';
import { CID_ANY, type CidName, PORT_ANY, resolveCid, resolvePort } from './address.js';

/** How Node prints a received value in its argument errors. */
function received(value: unknown): string {
  if (value === null || value === undefined) return `Received ${value}`;
  if (typeof value === 'function') return `Received function ${value.name || '<anonymous>'}`;
  if (typeof value === 'object')
    return `Received an instance of ${value.constructor?.name ?? 'Object'}`;
  const shown = typeof value === 'string' ? `'${value}'` : String(value);
  return `Received type ${typeof value} (${shown})`;
}

/** `ERR_INVALID_ARG_TYPE`, a `TypeError` worded as Node words it (and a `VmciError`). */
export function invalidArgType(name: string, expected: string, value: unknown): VmciError {
  return argumentError(
    'ERR_INVALID_ARG_TYPE',
    `The "${name}" argument must be of type ${expected}. ${received(value)}`,
  );
}

/** `ERR_OUT_OF_RANGE`, a `RangeError` worded as Node words it (and a `VmciError`). */
export function outOfRange(name: string, range: string, value: unknown): VmciError {
  return argumentError(
    'ERR_OUT_OF_RANGE',
    `The value of "${name}" is out of range. It must be ${range}. Received ${String(value)}`,
  );
}

/**
 * A timer duration in ms, as `net.Socket#setTimeout` checks it (Node's `getTimerDuration`): a
 * non-negative finite number.
 */
export function validateTimeout(value: unknown, name: string): number {
  if (typeof value !== 'number') throw invalidArgType(name, 'number', value);
  if (!Number.isFinite(value) || value < 0)
    throw outOfRange(name, 'a non-negative finite number', value);
  return value;
}

/**
 * `socket.setTimeout(msecs[, callback])`'s arguments, checked as `net.Socket#setTimeout` checks
 * them — the one check every socket type (kernel pipe and poll, hybrid, testkit, message sockets)
 * runs.
 */
export function validateSetTimeout(msecs: unknown, callback: unknown): number {
  const timeout = validateTimeout(msecs, 'msecs');
  if (callback !== undefined && typeof callback !== 'function')
    throw invalidArgType('callback', 'function', callback);
  return timeout;
}

/** A connect timeout in ms: a positive finite number (the kernel's default is 2000). */
export function validateConnectTimeout(value: unknown, name = 'options.connectTimeout'): number {
  if (typeof value !== 'number') throw invalidArgType(name, 'number', value);
  if (!Number.isFinite(value) || value <= 0)
    throw outOfRange(name, 'a positive finite number', value);
  return value;
}

/** An integer in `[min, max]`. */
export function validateInteger(
  value: unknown,
  name: string,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (typeof value !== 'number') throw invalidArgType(name, 'number', value);
  if (!Number.isInteger(value) || value < min || value > max)
    throw outOfRange(name, `an integer >= ${min} && <= ${max}`, value);
  return value;
}

/** A stream buffer size in bytes: a positive integer. */
export function checkBufferSize(size: unknown, name = 'options.bufferSize'): number {
  return validateInteger(size, name, 1);
}

export function validateSignal(value: unknown, name = 'options.signal'): AbortSignal | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof AbortSignal)) throw invalidArgType(name, 'an AbortSignal', value);
  return value;
}

/**
 * A port to listen on: `undefined`, `null` and 0 mean "any free port" (VMADDR_PORT_ANY; the
 * kernel picks one, see `server.address()`), as `net.Server#listen` reads port 0.
 */
export function listenPortOf(port: unknown): number {
  if (port === undefined || port === null) return PORT_ANY;
  const resolved = resolvePort(port as number);
  return resolved === 0 ? PORT_ANY : resolved;
}

/** The listen request every `listen()` form comes down to. */
export interface NormalizedListen {
  readonly cid: number;
  readonly port: number;
  readonly backlog?: number;
  readonly fd?: number;
  readonly signal?: AbortSignal;
}

function unsupportedListen(what: string): VmciError {
  return new VmciError(
    'ERR_VMCI_UNSUPPORTED',
    `vsock servers listen on a port (and CID), not on ${what}: use listen(port), listen({ port, cid }) or listen({ fd }) for an open listening vsock socket`,
  );
}

const isNumericText = (value: unknown) => typeof value === 'string' && /^\s*\d+\s*$/.test(value);

/**
 * Every form `server.listen()` takes, as `net.Server#listen` does:
 * `listen([port[, cid[, backlog]]][, callback])` and `listen(options[, callback])` with
 * `{ port, cid, backlog, fd, signal }`. Paths and `net` handles are typed errors.
 */
export function normalizeListenArgs(args: readonly unknown[]): {
  options: NormalizedListen;
  callback: (() => void) | undefined;
} {
  const last = args.at(-1);
  const callback = typeof last === 'function' ? (last as () => void) : undefined;
  const rest = callback ? args.slice(0, -1) : args;
  const [first] = rest;
  if (rest.length > 3) throw invalidArgType('callback', 'function', rest.at(-1));
  if (first === undefined || first === null || typeof first === 'number' || isNumericText(first)) {
    const [, cid, backlog] = rest;
    return {
      options: {
        port: listenPortOf(typeof first === 'string' ? Number(first) : first),
        cid: cid === undefined || cid === null ? CID_ANY : resolveCid(cid as number | CidName),
        ...(backlog !== undefined && backlog !== null
          ? { backlog: validateInteger(backlog, 'backlog') }
          : {}),
      },
      callback,
    };
  }
  if (typeof first === 'string') throw unsupportedListen(`a path ('${first}')`);
  if (typeof first !== 'object') throw invalidArgType('options', 'object', first);
  if (rest.length > 1) throw invalidArgType('callback', 'function', rest[1]);
  const options = first as Record<string, unknown>;
  if ('_handle' in options || 'handle' in options)
    throw unsupportedListen('a net handle (libuv cannot serve AF_VSOCK descriptors)');
  if (options.path !== undefined) throw unsupportedListen(`a path ('${String(options.path)}')`);
  if (options.host !== undefined)
    throw new VmciError(
      'ERR_VMCI_INVALID_ARGUMENT',
      `vsock has no host names: listen({ cid }) takes a CID (a number or 'local', 'any'), got host ${String(options.host)}`,
    );
  const signal = validateSignal(options.signal);
  return {
    options: {
      port: listenPortOf(options.port),
      cid:
        options.cid === undefined || options.cid === null
          ? CID_ANY
          : resolveCid(options.cid as number | CidName),
      ...(options.backlog !== undefined
        ? { backlog: validateInteger(options.backlog, 'options.backlog') }
        : {}),
      ...(options.fd !== undefined
        ? { fd: validateInteger(options.fd, 'options.fd', 0, 2 ** 31 - 1) }
        : {}),
      ...(signal ? { signal } : {}),
    },
    callback,
  };
}

/** What connect options come down to once checked. */
export interface CheckedConnect {
  readonly cid: number;
  readonly port: number;
  readonly timeout?: number;
  readonly connectTimeout?: number;
  readonly localPort?: number;
  readonly bufferSize?: number;
  readonly signal?: AbortSignal;
}

/**
 * The checks every connect form makes before anything is opened (`connect`, `createConnection`,
 * `connectSeqpacket`, `VsockAgent`): the same errors on every transport.
 */
export function checkConnectOptions(options: unknown, caller: string): CheckedConnect {
  if (typeof options !== 'object' || options === null) {
    throw argumentError(
      'ERR_INVALID_ARG_TYPE',
      `${caller}() takes an options object: { cid, port }. ${received(options)}`,
    );
  }
  const o = options as Record<string, unknown>;
  const checked: {
    -readonly [K in keyof CheckedConnect]: CheckedConnect[K];
  } = {
    cid: resolveCid(o.cid as number | CidName),
    port: resolvePort(o.port as number),
  };
  if (o.timeout !== undefined) checked.timeout = validateTimeout(o.timeout, 'options.timeout');
  if (o.connectTimeout !== undefined)
    checked.connectTimeout = validateConnectTimeout(o.connectTimeout);
  if (o.bufferSize !== undefined) checked.bufferSize = checkBufferSize(o.bufferSize);
  if (o.localPort !== undefined && o.localPort !== null) {
    const localPort = resolvePort(o.localPort as number, 'localPort');
    if (localPort !== 0 && localPort !== PORT_ANY) checked.localPort = localPort;
  }
  const signal = validateSignal(o.signal);
  if (signal) checked.signal = signal;
  return checked;
}

/**
 * `createConnection(options[, connectListener])`, as `net.createConnection` normalises it: the
 * listener, when given, must be a function and is added for `'connect'`.
 */
export function normalizeConnectArgs(
  args: readonly unknown[],
  caller: string,
): { checked: CheckedConnect; listener: ((...args: unknown[]) => void) | undefined } {
  const [options, listener] = args;
  const checked = checkConnectOptions(options, caller);
  if (listener !== undefined && typeof listener !== 'function')
    throw invalidArgType('connectListener', 'function', listener);
  return { checked, listener: listener as ((...args: unknown[]) => void) | undefined };
}
