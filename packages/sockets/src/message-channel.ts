/**
 * A connected SEQPACKET endpoint as transports provide it: whole messages, boundaries kept.
 */
import type { VsockAddress } from './address.js';
import type { TransportClock } from './channel.js';

/** One SEQPACKET message as a {@link MessageChannel} received it. */
export interface ReceivedMessage {
  /** The message (the first `buffer.length` bytes when truncated). */
  readonly data: Buffer;
  /** The whole message's length; larger than `data.length` when the rest was dropped. */
  readonly length: number;
  readonly truncated: boolean;
  readonly endOfRecord: boolean;
}

/**
 * A connected SEQPACKET channel below {@link VsockMessageSocket}: whole messages, non-blocking,
 * with a wait for readiness.
 */
export interface MessageChannel {
  readonly local: VsockAddress;
  readonly remote: VsockAddress;
  /** What the socket's idle timer keeps time with (default: the system's timers). */
  readonly clock?: TransportClock;
  /**
   * The largest message this end may send: its own buffer size as applied (the kernel refuses a
   * message larger than the sender's or the receiver's buffer; 256 KiB by default).
   */
  readonly maxMessageSize: number;
  /**
   * Sends one message, whole: true when sent, false when it would block (wait for writable, then
   * send it again), or a promise when the transport completes the send in the background (the
   * caller sends nothing else on this channel until it settles). Throws (or rejects) on errors.
   */
  send(message: Buffer, endOfRecord: boolean): boolean | Promise<void>;
  /** One message; an empty, non-truncated `data` with `length` 0 at end of stream; null when none is ready. */
  receive(): ReceivedMessage | null;
  wait(interest: 'readable' | 'writable', callback: () => void): void;
  shutdownWrite(): void;
  close(): void;
  setRef(ref: boolean): void;
}
