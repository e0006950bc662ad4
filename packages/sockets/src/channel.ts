/**
 * A connected byte stream as non-libuv transports provide it: the kernel transport's poll backend
 * (a descriptor read and written through koffi) and the testkit's in-memory channels.
 * {@link ChannelSocket} turns any of them into a `net.Socket`-compatible Duplex.
 */
import type { VsockAddress } from './address.js';

/**
 * A clock a transport keeps time with (the testkit's hypervisor clock, which a test may move by
 * hand): a socket's idle timer (`setTimeout`) follows it when its channel has one.
 */
export interface TransportClock {
  /** Calls `callback` once `ms` milliseconds have passed on this clock; returns a handle. */
  setTimer(ms: number, callback: () => void): unknown;
  clearTimer(handle: unknown): void;
}

/**
 * A connected stream below the socket API: non-blocking reads and writes, a wait for readiness,
 * half-close and close. {@link ChannelSocket} turns one into a `net.Socket`-compatible Duplex; the
 * poll backend and the testkit implement it.
 */
export interface StreamChannel {
  readonly local: VsockAddress;
  readonly remote: VsockAddress;
  /** What the socket's idle timer keeps time with (default: the system's timers). */
  readonly clock?: TransportClock;
  /** Bytes read into `buffer`; 0 at end of stream; `null` when nothing is ready. Throws on errors. */
  read(buffer: Buffer): number | null;
  /** Bytes accepted from `data` (possibly fewer); `null` when the send buffer is full. */
  write(data: Buffer): number | null;
  /**
   * Calls `callback` once when the channel may be readable / writable (or has failed: the next
   * `read`/`write` reports it). Level-triggered: if the channel is ready already, the callback
   * comes soon (asynchronously) rather than at the next change. Several waits may be pending.
   */
  wait(interest: 'readable' | 'writable', callback: () => void): void;
  /** Half-close: the peer reads end of stream. */
  shutdownWrite(): void;
  /** Releases everything; pending waits never fire. Idempotent. */
  close(): void;
  /** Whether pending waits keep the process alive. */
  setRef(ref: boolean): void;
  /** The stream buffer size in bytes. */
  bufferSize(): number;
  /**
   * Bytes written but not yet handed to the peer (the kernel's `SIOCOUTQ`). Absent where the
   * transport cannot tell; may throw `ERR_VMCI_UNSUPPORTED` (a kernel before Linux 6.12).
   */
  unsentBytes?(): number;
}
