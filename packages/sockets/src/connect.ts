/**
 * Client API: `connect()` (a promise of a connected socket) and `createConnection()` (callback
 * form, as `http.Agent#createConnection` accepts it).
 */
import { VmciError } from '@vmci/ffi';
import { type CidName, resolveCid, resolvePort } from './address.js';
import { ConnectingSocket } from './connecting-socket.js';
import { defaultTransport } from './default-transport.js';
import type { Transport, VsockSocket } from './transport.js';

export interface ConnectOptions {
  /** Context id of the peer: a number or `host`, `hypervisor`, `local`. */
  readonly cid: number | CidName;
  readonly port: number;
  /** Idle timeout in ms, as `net.Socket#setTimeout` (emits `'timeout'`; does not close). */
  readonly timeout?: number;
  /** Connect timeout in ms: give up (ETIMEDOUT) when the peer VM does not answer. Kernel default 2000. */
  readonly connectTimeout?: number;
  /** Cancels a pending connect (rejects with the signal's reason; nothing leaks). */
  readonly signal?: AbortSignal;
  readonly allowHalfOpen?: boolean;
  /** Stream buffer size in bytes (default 262144); the limits are moved so the kernel keeps it. */
  readonly bufferSize?: number;
  /** Where to connect through (default: the kernel). The testkit passes a VM's transport here. */
  readonly transport?: Transport;
}

export function checkBufferSize(size: number): number {
  if (!Number.isSafeInteger(size) || size <= 0) {
    throw new VmciError(
      'ERR_VMCI_INVALID_ARGUMENT',
      `bufferSize must be a positive integer (bytes), got ${String(size)}`,
    );
  }
  return size;
}

/** Checks connect options up front (the same checks for every form); returns the address. */
function checkConnectOptions(
  options: ConnectOptions,
  caller: string,
): { cid: number; port: number } {
  if (typeof options !== 'object' || options === null) {
    throw new VmciError(
      'ERR_VMCI_INVALID_ARGUMENT',
      `${caller}() takes an options object: { cid, port }`,
    );
  }
  const cid = resolveCid(options.cid);
  const port = resolvePort(options.port);
  if (options.timeout !== undefined && (!Number.isFinite(options.timeout) || options.timeout < 0)) {
    throw new VmciError(
      'ERR_VMCI_INVALID_ARGUMENT',
      `timeout must be a non-negative number of ms, got ${options.timeout}`,
    );
  }
  if (options.bufferSize !== undefined) checkBufferSize(options.bufferSize);
  return { cid, port };
}

/** Connects a stream socket. Rejects with a `VmciError` (`ECONNRESET`, `ETIMEDOUT`, `ENODEV`, …). */
export async function connect(options: ConnectOptions): Promise<VsockSocket> {
  const { cid, port } = checkConnectOptions(options, 'connect');
  options.signal?.throwIfAborted();
  const transport = options.transport ?? defaultTransport();
  const socket = await transport.connect({
    cid,
    port,
    ...(options.connectTimeout !== undefined ? { timeout: options.connectTimeout } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.allowHalfOpen !== undefined ? { allowHalfOpen: options.allowHalfOpen } : {}),
    ...(options.bufferSize !== undefined ? { bufferSize: options.bufferSize } : {}),
  });
  if (options.timeout) socket.setTimeout(options.timeout);
  return socket;
}

/**
 * `net.connect()`'s shape: returns a socket at once that is `connecting` until connected, buffers
 * writes until then, emits `'connect'`, and reports a failed connect as `'error'`. For libraries
 * that take a `createConnection` returning a socket (ws, database drivers).
 *
 * Callback form, `createConnection(options, (error, socket) => …)`: returns nothing and calls back
 * once connected — the shape `http.Agent#createConnection` accepts.
 */
export function createConnection(options: ConnectOptions): VsockSocket;
export function createConnection(
  options: ConnectOptions,
  callback: (error: Error | null, socket?: VsockSocket) => void,
): undefined;
export function createConnection(
  options: ConnectOptions,
  callback?: (error: Error | null, socket?: VsockSocket) => void,
): VsockSocket | undefined {
  if (callback) {
    connect(options).then(
      (socket) => callback(null, socket),
      (error: Error) => callback(error),
    );
    return undefined;
  }
  // Bad arguments throw here and now, as net.connect() does; connect failures arrive as 'error'.
  checkConnectOptions(options, 'createConnection');
  return new ConnectingSocket(
    (signal) =>
      connect({
        ...options,
        signal: options.signal ? AbortSignal.any([options.signal, signal]) : signal,
      }),
    options.allowHalfOpen !== undefined ? { allowHalfOpen: options.allowHalfOpen } : {},
  );
}
