/**
 * Connect without the threadpool: non-blocking `connect()` → EINPROGRESS → wait for writable
 * through libuv → read SO_ERROR.
 */
import { formatAddress, VmciError } from './errors.js';
import { type FdPoller, type Readiness, releasePoll, takePoll, waitFor } from './poll.js';
import type { SockaddrVm } from './sockaddr.js';
import { connectError, startConnect } from './socket.js';

/** Options of {@link connectSocket}. */
export interface ConnectOptions {
  /** Cancels the wait; the caller still owns (and must close) the descriptor. */
  readonly signal?: AbortSignal;
  /**
   * Keep the poll handle the connect waited on and return it (stopped; the caller polls with it
   * and closes it, or closes the descriptor, which closes it too): for a caller that polls the
   * descriptor itself next, such as a channel's `FdPoller`. Without it no handle is left.
   */
  readonly keepPoll?: boolean;
}

/**
 * Connects a non-blocking vsock descriptor. Rejects with the kernel's error (`ECONNRESET` when no
 * one listens, `ETIMEDOUT`, `ENODEV`…) or the signal's reason. Leaves no poll handle on the
 * descriptor (whatever polls it next — libuv's stream (backend A), `waitFor` — starts fresh), unless
 * `keepPoll` asks for the handle: then it resolves with it when the connect waited on one
 * (undefined when the connect completed at once); on failure no handle is left either way.
 */
export async function connectSocket(
  fd: number,
  address: SockaddrVm,
  options: ConnectOptions = {},
): Promise<FdPoller | undefined> {
  if (startConnect(fd, address) === 'connected') return undefined;
  let ready: Readiness;
  let kept: FdPoller | undefined;
  try {
    ready = await waitFor(fd, { writable: true, disconnect: true }, options.signal);
    if (options.keepPoll) kept = takePoll(fd);
  } finally {
    if (!kept) releasePoll(fd);
  }
  const error = connectError(fd, address) ?? (ready.writable ? undefined : peerClosed(address));
  if (error) {
    kept?.close();
    throw error;
  }
  return kept;
}

const peerClosed = (address: SockaddrVm) =>
  new VmciError(
    'ECONNRESET',
    `connect failed: the peer closed the connection${formatAddress(address)}`,
    { syscall: 'connect', address },
  );
