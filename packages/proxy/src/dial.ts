/**
 * Connects to the proxy's target — vsock through @vmci/sockets, TCP and Unix through node:net —
 * with a connect timeout and cancellation, always half-open so the relay can pass on a half-close.
 */
import { connect as connectNet, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as connectVsock, type Transport } from '@vmci/sockets';
import { type Endpoint, formatEndpoint } from './endpoint.js';
import { errorCode, errorMessage, ProxyError } from './errors.js';

/** How long a TCP or Unix connect may take when no timeout is given (vsock: the kernel's 2 s). */
export const defaultNetConnectTimeoutMs = 10_000;

export interface DialOptions {
  /** The vsock transport (default: the kernel's). */
  readonly transport?: Transport;
  /** The vsock connection's `SO_VM_SOCKETS_BUFFER_SIZE` in bytes (vsock targets only). */
  readonly bufferSize?: number;
  /** Give up after this many ms with ETIMEDOUT. */
  readonly connectTimeoutMs?: number;
  /** Cancels the connect (rejects with ABORT_ERR; nothing stays open). */
  readonly signal?: AbortSignal;
}

function abortError(): ProxyError {
  return new ProxyError('ABORT_ERR', 'the connect was cancelled');
}

/** Rejects with a {@link ProxyError} whose code says why (ECONNREFUSED, ENOENT, ETIMEDOUT, …). */
export async function dial(target: Endpoint, options: DialOptions = {}): Promise<Duplex> {
  if (options.signal?.aborted) throw abortError();
  if (target.kind === 'vsock') {
    try {
      return await connectVsock({
        cid: target.cid,
        port: target.port,
        allowHalfOpen: true,
        ...(options.transport ? { transport: options.transport } : {}),
        ...(options.bufferSize !== undefined ? { bufferSize: options.bufferSize } : {}),
        ...(options.connectTimeoutMs !== undefined
          ? { connectTimeout: options.connectTimeoutMs }
          : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (error) {
      if (options.signal?.aborted) throw abortError();
      throw new ProxyError(
        errorCode(error),
        `cannot connect to ${formatEndpoint(target)}: ${errorMessage(error)}`,
        { cause: error },
      );
    }
  }
  return dialNet(target, options);
}

function dialNet(target: Endpoint & { kind: 'tcp' | 'unix' }, options: DialOptions) {
  const timeoutMs = options.connectTimeoutMs ?? defaultNetConnectTimeoutMs;
  return new Promise<Socket>((resolve, reject) => {
    const socket =
      target.kind === 'tcp'
        ? connectNet({ host: target.host, port: target.port, allowHalfOpen: true })
        : connectNet({ path: target.path, allowHalfOpen: true });
    const settle = (error?: ProxyError) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      socket.off('connect', onConnect);
      socket.off('error', onError);
      if (error) {
        socket.destroy();
        reject(error);
      } else {
        resolve(socket);
      }
    };
    const onConnect = () => settle();
    const onError = (error: Error) =>
      settle(
        new ProxyError(
          errorCode(error),
          `cannot connect to ${formatEndpoint(target)}: ${describeNetError(error)}`,
          { cause: error },
        ),
      );
    const onAbort = () => settle(abortError());
    const timer = setTimeout(
      () =>
        settle(
          new ProxyError(
            'ETIMEDOUT',
            `cannot connect to ${formatEndpoint(target)}: no answer within ${timeoutMs} ms`,
          ),
        ),
      timeoutMs,
    );
    socket.once('connect', onConnect);
    socket.once('error', onError);
    options.signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function describeNetError(error: Error): string {
  switch (errorCode(error)) {
    case 'ECONNREFUSED':
      return 'connection refused (nothing listens there)';
    case 'ENOENT':
      return 'no such socket file';
    case 'ENOTFOUND':
      return 'the host name does not resolve';
    case 'EACCES':
      return 'permission denied';
    case 'ENETUNREACH':
    case 'EHOSTUNREACH':
      return 'no route to the host';
    default:
      return errorMessage(error);
  }
}
