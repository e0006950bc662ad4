/**
 * Cutting a byte stream into 9P messages: size[4] counts the whole message, itself included. A
 * size below the 7-byte header or above the limit (the negotiated msize) cannot be recovered from —
 * the stream's framing is lost — so the decoder reports it and the connection must close.
 */
import { messageTooLargeError, protocolError } from '../errors.js';
import { headerSize } from './constants.js';

/** Cuts a byte stream into whole 9P messages, no larger than its limit. */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;

  /** `limit`: the largest message accepted (change it with {@link setLimit} after Tversion). */
  constructor(private limit: number) {}

  setLimit(limit: number): void {
    this.limit = limit;
  }

  /** Bytes received that do not yet form a whole message. */
  get pending(): number {
    return this.buffered;
  }

  /**
   * Adds received bytes and returns the whole messages they complete. Throws
   * `ERR_VMCI_SHARE_PROTOCOL` / `ERR_VMCI_SHARE_MESSAGE_TOO_LARGE` on a size field that breaks
   * the framing (nothing more can be read from this stream).
   */
  push(chunk: Buffer): Buffer[] {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const frames: Buffer[] = [];
    while (this.buffered >= 4) {
      const head = this.peek(4);
      const size = head.readUInt32LE(0);
      if (size < headerSize) throw protocolError(`message size ${size} is below the 7-byte header`);
      if (size > this.limit) throw messageTooLargeError(size, this.limit);
      if (this.buffered < size) break;
      frames.push(this.take(size));
    }
    return frames;
  }

  private peek(n: number): Buffer {
    const first = this.chunks[0] as Buffer;
    if (first.length >= n) return first.subarray(0, n);
    const joined = Buffer.concat(this.chunks);
    this.chunks = [joined];
    return joined.subarray(0, n);
  }

  private take(n: number): Buffer {
    this.peek(n); // leaves at least n bytes in the first chunk
    const first = this.chunks[0] as Buffer;
    const frame = first.subarray(0, n);
    if (first.length === n) this.chunks.shift();
    else this.chunks[0] = first.subarray(n);
    this.buffered -= n;
    return frame;
  }
}
