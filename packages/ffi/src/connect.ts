/**
 * Connect without the threadpool: non-blocking `connect()` → EINPROGRESS → wait for writable
 * through libuv → read SO_ERROR.
 */
import { formatAddress, VmciError } from './errors.js';
import { type Readiness, releasePoll, waitFor } from './poll.js';
import type { SockaddrVm } from './sockaddr.js';
import { connectError, startConnect } from './socket.js';

/** Options of {@link connectSocket}. */
export interface ConnectOptions {
  /** Cancels the wait; the caller still owns (and must close) the descriptor. */
  readonly signal?: AbortSignal;
}

/**
 * Connects a non-blocking vsock descriptor. Rejects with the kernel's error (`ECONNRESET` when no
 * one listens, `ETIMEDOUT`, `ENODEV`…) or the signal's reason. Leaves no poll handle on the
 * descriptor: whatever polls it next — libuv's stream (backend A), a channel's `FdPoller`
 * (backend B), `waitFor` — starts fresh, so this is the one place a descriptor is handed between
 * poll mechanisms.
 */
export async function connectSocket(
  fd: number,
  address: SockaddrVm,
  options: ConnectOptions = {},
): Promise<void> {
  if (startConnect(fd, address) === 'connected') return;
  let ready: Readiness;
  try {
    ready = await waitFor(fd, { writable: true, disconnect: true }, options.signal);
  } finally {
    releasePoll(fd);
  }
  const error = connectError(fd, address);
  if (error) throw error;
  if (!ready.writable)
    throw new VmciError(
      'ECONNRESET',
      `connect failed: the peer closed the connection${formatAddress(address)}`,
      { syscall: 'connect', address },
    );
}
