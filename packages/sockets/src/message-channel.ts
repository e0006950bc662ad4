/**
 * A connected SEQPACKET endpoint as transports provide it: whole messages, boundaries kept.
 */
import type { VsockAddress } from './address.js';

export interface ReceivedMessage {
  /** The message (the first `buffer.length` bytes when truncated). */
  readonly data: Buffer;
  /** The whole message's length; larger than `data.length` when the rest was dropped. */
  readonly length: number;
  readonly truncated: boolean;
  readonly endOfRecord: boolean;
}

export interface MessageChannel {
  readonly local: VsockAddress;
  readonly remote: VsockAddress;
  /** The largest message the transport carries (256 KiB on virtio/loopback). */
  readonly maxMessageSize: number;
  /** Sends one message: true when sent, false when it would block. Throws on errors. */
  send(message: Buffer, endOfRecord: boolean): boolean;
  /** One message; an empty, non-truncated `data` with `length` 0 at end of stream; null when none is ready. */
  receive(): ReceivedMessage | null;
  wait(interest: 'readable' | 'writable', callback: () => void): void;
  shutdownWrite(): void;
  close(): void;
  setRef(ref: boolean): void;
}
