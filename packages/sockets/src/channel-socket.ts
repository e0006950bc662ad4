/**
 * A `net.Socket`-compatible Duplex over a {@link StreamChannel}: backpressure both ways, half-close,
 * idle timeouts, ref/unref, byte counters and vsock addresses — written once for every
 * channel-based transport.
 */
import { Duplex } from 'node:stream';
import { VSOCK_FAMILY, type VsockAddress, vsockHost } from './address.js';
import type { StreamChannel } from './channel.js';
import { cannotTellFlushed, waitUntilFlushed } from './flushed.js';
import { IdleTimer, setReferenced } from './idle-timer.js';
import { addNetSocketMembers } from './net-socket-stubs.js';
import type { VsockSocket } from './transport.js';

const readChunkSize = 64 * 1024;
/**
 * The buffer every ChannelSocket reads into (reads are synchronous, so one is enough): a small read
 * is copied out of it, a large one takes it along and the next read makes a new one. A socket
 * holds no read buffer of its own — an idle connection costs no 64 KiB.
 */
let readSlab: Buffer | undefined;

/** Options of a {@link ChannelSocket}. */
export interface ChannelSocketOptions {
  /** Keep the writable side open after the peer ends (net's `allowHalfOpen`, default false). */
  readonly allowHalfOpen?: boolean;
}

/**
 * A `net.Socket`-compatible Duplex over a {@link StreamChannel}: backpressure both ways,
 * half-close, idle timeouts, ref/unref, byte counts and vsock addresses. What the poll backend and
 * the testkit's transports return from `connect()` and hand to `'connection'`.
 */
export class ChannelSocket extends Duplex implements VsockSocket {
  private readonly channel: StreamChannel;
  private waitingReadable = false;
  /** The last read was short: the channel is most likely empty, so wait instead of reading again. */
  private drained = false;
  private readonly idle: IdleTimer;
  private read_ = 0;
  private written = 0;

  constructor(channel: StreamChannel, options: ChannelSocketOptions = {}) {
    super({ allowHalfOpen: options.allowHalfOpen ?? false, emitClose: true, autoDestroy: true });
    this.channel = channel;
    this.idle = new IdleTimer(() => this.emit('timeout'), channel.clock);
    // Start reading at once, as net.Socket does: the peer's end or reset is noticed even while
    // nobody consumes the data (bounded by the readable high-water mark).
    this.read(0);
  }

  get remoteCid(): number | undefined {
    return this.destroyed ? undefined : this.channel.remote.cid;
  }
  get remotePort(): number | undefined {
    return this.destroyed ? undefined : this.channel.remote.port;
  }
  get localCid(): number | undefined {
    return this.destroyed ? undefined : this.channel.local.cid;
  }
  get remoteAddress(): string | undefined {
    return this.destroyed ? undefined : vsockHost(this.channel.remote.cid);
  }
  get remoteFamily(): string | undefined {
    return this.destroyed ? undefined : VSOCK_FAMILY;
  }
  // net.Socket's types make the local* members optional (`localPort?: number`), which a getter
  // cannot declare under `exactOptionalPropertyTypes`: they are prototype accessors instead.
  declare readonly localPort?: number;
  declare readonly localAddress?: string;
  declare readonly localFamily?: string;
  static {
    Object.defineProperties(ChannelSocket.prototype, {
      localPort: {
        get(this: ChannelSocket) {
          return this.destroyed ? undefined : this.channel.local.port;
        },
        configurable: true,
      },
      localAddress: {
        get(this: ChannelSocket) {
          return this.destroyed ? undefined : vsockHost(this.channel.local.cid);
        },
        configurable: true,
      },
      localFamily: {
        get(this: ChannelSocket) {
          return this.destroyed ? undefined : VSOCK_FAMILY;
        },
        configurable: true,
      },
    });
  }
  address(): VsockAddress | Record<string, never> {
    return this.destroyed ? {} : { cid: this.channel.local.cid, port: this.channel.local.port };
  }
  /** net.Socket members for the types (see `addNetSocketMembers`): `connect` throws. */
  declare connect: (...args: unknown[]) => never;
  declare readonly autoSelectFamilyAttemptedAddresses: string[];
  declare readonly bufferSize: number;
  get bytesRead(): number {
    return this.read_;
  }
  get bytesWritten(): number {
    return this.written;
  }
  get connecting(): boolean {
    return false;
  }
  get pending(): boolean {
    return false;
  }
  get readyState(): VsockSocket['readyState'] {
    if (this.destroyed) return 'closed';
    if (this.readable && this.writable) return 'open';
    if (this.readable) return 'readOnly';
    if (this.writable) return 'writeOnly';
    return 'closed';
  }

  override _read(): void {
    if (this.drained) {
      this.waitReadable();
      return;
    }
    for (;;) {
      // Fetched on every pass: a 'data' listener run by push() may have read another socket.
      readSlab ??= Buffer.allocUnsafe(readChunkSize);
      const buffer = readSlab;
      let n: number | null;
      try {
        n = this.channel.read(buffer);
      } catch (error) {
        this.destroy(error as Error);
        return;
      }
      if (n === null) {
        this.waitReadable();
        return;
      }
      this.touch();
      if (n === 0) {
        this.push(null);
        // With nothing buffered, let 'end' (and so autoDestroy's 'close') happen even when nobody
        // is reading — as net.Socket does on EOF.
        if (this.readableLength === 0) process.nextTick(() => this.read(0));
        return;
      }
      this.read_ += n;
      // Small reads are copied and the slab reused; large ones take the slab along.
      let chunk: Buffer;
      if (n < readChunkSize / 4) {
        chunk = Buffer.from(buffer.subarray(0, n));
      } else {
        chunk = buffer.subarray(0, n);
        readSlab = undefined;
      }
      // A short read means the kernel had no more: skip the read that would only say EAGAIN (the
      // level-triggered poll reports at once if more arrived meanwhile).
      if (n < buffer.length) this.drained = true;
      if (!this.push(chunk) || this.drained) {
        if (this.drained && !this.destroyed) this.waitReadable();
        return;
      }
    }
  }

  private waitReadable() {
    if (this.waitingReadable) return;
    this.waitingReadable = true;
    this.channel.wait('readable', () => {
      this.waitingReadable = false;
      this.drained = false;
      if (!this.destroyed) this._read();
    });
  }

  override _write(
    chunk: Buffer,
    _encoding: BufferEncoding,
    callback: (error?: Error | null) => void,
  ): void {
    this.writeFrom(chunk, 0, callback);
  }

  override _writev(chunks: { chunk: Buffer }[], callback: (error?: Error | null) => void): void {
    this.writeFrom(
      chunks.length === 1
        ? (chunks[0] as { chunk: Buffer }).chunk
        : Buffer.concat(chunks.map((c) => c.chunk)),
      0,
      callback,
    );
  }

  private writeFrom(data: Buffer, offset: number, callback: (error?: Error | null) => void): void {
    let position = offset;
    if (position < data.length) {
      let n: number | null;
      try {
        n = this.channel.write(position === 0 ? data : data.subarray(position));
      } catch (error) {
        callback(error as Error);
        return;
      }
      if (n !== null) {
        position += n;
        this.written += n;
        this.touch();
      }
      if (position < data.length) {
        // Nothing taken, or a short write: the send buffer is full. Wait rather than try a write
        // that would only say EAGAIN — the wait is level-triggered, so room that appeared
        // meanwhile is reported at once.
        this.channel.wait('writable', () => {
          if (this.destroyed) callback(new Error('socket destroyed while writing'));
          else this.writeFrom(data, position, callback);
        });
        return;
      }
    }
    callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
    try {
      this.channel.shutdownWrite();
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  /** `'close'` carries `hadError`, as net.Socket's does. */
  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'close' && args.length === 0) return super.emit('close', this.errored !== null);
    return super.emit(event, ...args);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.idle.clear();
    this.channel.close();
    callback(error);
  }

  setTimeout(timeout: number, callback?: () => void): this {
    this.idle.apply(this, timeout, callback, !this.destroyed);
    return this;
  }

  private touch() {
    if (!this.destroyed) this.idle.touch();
  }

  setNoDelay(): this {
    return this; // vsock has no Nagle
  }

  setKeepAlive(): this {
    return this; // vsock has no keepalive probes
  }

  ref(): this {
    return setReferenced(this, this.channel, this.idle, true);
  }

  unref(): this {
    return setReferenced(this, this.channel, this.idle, false);
  }

  destroySoon(): void {
    if (this.writable) this.end();
    if (this.writableFinished) this.destroy();
    else this.once('finish', () => this.destroy());
  }

  resetAndDestroy(): this {
    return this.destroy();
  }

  getBufferSize(): number {
    return this.channel.bufferSize();
  }

  /** See {@link VsockSocket.flushed}. */
  async flushed(options: { signal?: AbortSignal } = {}): Promise<void> {
    const { channel } = this;
    if (!channel.unsentBytes) throw cannotTellFlushed('this transport');
    await waitUntilFlushed(this, () => channel.unsentBytes?.() ?? 0, options.signal);
  }
}
addNetSocketMembers(ChannelSocket.prototype);
