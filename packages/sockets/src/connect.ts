/**
 * Client API: `connect()` (a promise of a connected socket) and `createConnection()` (`net`'s
 * shape: a socket returned at once, with an optional `'connect'` listener).
 */
import type { CidName } from './address.js';
import { type CheckedConnect, checkConnectOptions, normalizeConnectArgs } from './arguments.js';
import { ConnectingSocket } from './connecting-socket.js';
import { defaultTransport } from './default-transport.js';
import type { Transport, TransportConnectRequest, VsockSocket } from './transport.js';

/**
 * Options of {@link connect} and {@link createConnection}: where to connect, and the socket's
 * settings.
 */
export interface ConnectOptions {
  /** Context id of the peer: a number or `host`, `hypervisor`, `local`. */
  readonly cid: number | CidName;
  readonly port: number;
  /** Idle timeout in ms, as `net.Socket#setTimeout` (emits `'timeout'`; does not close). */
  readonly timeout?: number;
  /**
   * Connect timeout in ms: give up (ETIMEDOUT) when the peer VM does not answer. A positive finite
   * number; the kernel's default is 2000.
   */
  readonly connectTimeout?: number;
  /** Cancels a pending connect (rejects with the signal's reason; nothing leaks). */
  readonly signal?: AbortSignal;
  readonly allowHalfOpen?: boolean;
  /** Stream buffer size in bytes (default 262144); the limits are moved so the kernel keeps it. */
  readonly bufferSize?: number;
  /**
   * Bind this local port before connecting (the default, or 0, lets the kernel pick one). VMCI
   * peers may trust privileged source ports (< 1024), which need CAP_NET_BIND_SERVICE.
   */
  readonly localPort?: number;
  /** Where to connect through (default: the kernel). The testkit passes a VM's transport here. */
  readonly transport?: Transport;
}

/** The transport request for checked options. */
export function connectRequest(
  checked: CheckedConnect,
  allowHalfOpen: boolean | undefined,
): TransportConnectRequest {
  return {
    cid: checked.cid,
    port: checked.port,
    ...(checked.connectTimeout !== undefined ? { timeout: checked.connectTimeout } : {}),
    ...(checked.signal ? { signal: checked.signal } : {}),
    ...(allowHalfOpen !== undefined ? { allowHalfOpen } : {}),
    ...(checked.bufferSize !== undefined ? { bufferSize: checked.bufferSize } : {}),
    ...(checked.localPort !== undefined ? { localPort: checked.localPort } : {}),
  };
}

/** Connects a stream socket. Rejects with a `VmciError` (`ECONNRESET`, `ETIMEDOUT`, `ENODEV`, …). */
export async function connect(options: ConnectOptions): Promise<VsockSocket> {
  const checked = checkConnectOptions(options, 'connect');
  checked.signal?.throwIfAborted();
  const transport = options.transport ?? defaultTransport();
  const socket = await transport.connect(connectRequest(checked, options.allowHalfOpen));
  if (checked.timeout) socket.setTimeout(checked.timeout);
  return socket;
}

/**
 * `net.createConnection()`'s shape: returns a socket at once that is `connecting` until connected,
 * buffers writes until then, emits `'connect'` (calling `connectListener`), and reports a failed
 * connect as `'error'`. Bad arguments throw at the call. This is what `http.Agent`, `ws` and
 * database drivers take as a `createConnection` (a returned socket). The socket relays to the
 * transport's own one: code that can await should prefer `connect()`.
 */
export function createConnection(
  options: ConnectOptions,
  connectListener?: () => void,
): VsockSocket {
  const { checked, listener } = normalizeConnectArgs(
    [options, connectListener],
    'createConnection',
  );
  const socket = new ConnectingSocket(
    (signal) =>
      connect({
        ...options,
        signal: checked.signal ? AbortSignal.any([checked.signal, signal]) : signal,
      }),
    options.allowHalfOpen !== undefined ? { allowHalfOpen: options.allowHalfOpen } : {},
  );
  if (listener) socket.once('connect', listener);
  return socket;
}
