/**
 * SEQPACKET sockets for users: `send(buffer)` is one message, `'message'` events and an async
 * iterator deliver whole messages; truncation and oversize messages are typed errors, never
 * silent loss.
 */
import { EventEmitter, on } from 'node:events';
import { VmciError } from '@vmci/ffi';
import type { VsockAddress } from './address.js';
import { IdleTimer, setReferenced } from './idle-timer.js';
import type { MessageChannel } from './message-channel.js';

/** The events of a {@link VsockMessageSocket}. */
export interface MessageSocketEvents {
  message: [data: Buffer, info: { endOfRecord: boolean }];
  end: [];
  /** No message sent or received for the `setTimeout` time; the socket stays open. */
  timeout: [];
  /** `hadError`: destroyed by an error, as net's `'close'`. */
  close: [hadError: boolean];
  error: [error: Error];
}

interface PendingSend {
  readonly data: Buffer;
  readonly endOfRecord: boolean;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/**
 * A connected SEQPACKET socket: `send()` whole messages (with end-of-record; its promise resolves
 * once the kernel took the message, in order), `'message'` for each one received.
 */
export class VsockMessageSocket extends EventEmitter<MessageSocketEvents> {
  private readonly channel: MessageChannel;
  private readonly queue: PendingSend[] = [];
  private waitingWritable = false;
  /** A send the transport completes in the background is in flight. */
  private sending = false;
  private waitingReadable = false;
  private paused = false;
  private ended = false;
  private finished = false;
  private destroyed_ = false;
  messagesSent = 0;
  messagesReceived = 0;
  private readonly idle: IdleTimer;

  constructor(channel: MessageChannel) {
    super();
    this.channel = channel;
    this.idle = new IdleTimer(() => this.emit('timeout'), channel.clock);
    // Start receiving once the caller had a chance to attach listeners.
    queueMicrotask(() => this.pump());
  }

  get remoteCid(): number {
    return this.channel.remote.cid;
  }
  get remotePort(): number {
    return this.channel.remote.port;
  }
  get localCid(): number {
    return this.channel.local.cid;
  }
  get localPort(): number {
    return this.channel.local.port;
  }
  address(): VsockAddress {
    return { cid: this.channel.local.cid, port: this.channel.local.port };
  }
  get maxMessageSize(): number {
    return this.channel.maxMessageSize;
  }
  get destroyed(): boolean {
    return this.destroyed_;
  }

  /**
   * Sends one message; resolves once the kernel took it (in order with earlier sends). Rejects with
   * `ERR_VMCI_MESSAGE_TOO_LARGE` above {@link maxMessageSize}.
   */
  send(data: Buffer | Uint8Array | string, options: { endOfRecord?: boolean } = {}): Promise<void> {
    const buffer =
      typeof data === 'string'
        ? Buffer.from(data)
        : Buffer.isBuffer(data)
          ? data
          : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    if (this.destroyed_ || this.finished) {
      return Promise.reject(
        new VmciError(
          'ERR_VMCI_SOCKET_CLOSED',
          'cannot send: the message socket is closed or ended',
        ),
      );
    }
    if (buffer.length === 0) {
      // recvmsg() returns 0 both for an empty message and at end of stream: refuse the ambiguity.
      return Promise.reject(
        new VmciError(
          'ERR_VMCI_INVALID_ARGUMENT',
          'empty SEQPACKET messages cannot be told apart from end of stream by the receiver: send at least one byte',
        ),
      );
    }
    if (buffer.length > this.channel.maxMessageSize) {
      return Promise.reject(
        new VmciError(
          'ERR_VMCI_MESSAGE_TOO_LARGE',
          `a ${buffer.length}-byte message exceeds this socket's ${this.channel.maxMessageSize}-byte buffer, the largest message it can send: split it, use a stream socket, or raise the buffer size on both ends (connectSeqpacket({ bufferSize }) and createSeqpacketServer({ bufferSize }))`,
        ),
      );
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ data: buffer, endOfRecord: options.endOfRecord ?? false, resolve, reject });
      this.flush();
    });
  }

  private flush() {
    while (this.queue.length > 0 && !this.destroyed_ && !this.sending) {
      const next = this.queue[0] as PendingSend;
      let sent: boolean | Promise<void>;
      try {
        sent = this.channel.send(next.data, next.endOfRecord);
      } catch (error) {
        this.queue.shift();
        next.reject(this.mapSendError(error, next.data.length));
        continue;
      }
      if (sent instanceof Promise) {
        // The transport sends this one whole in the background; the next waits for it.
        this.sending = true;
        sent.then(
          () => {
            this.sending = false;
            if (this.destroyed_) return;
            this.queue.shift();
            this.messagesSent++;
            next.resolve();
            this.flush();
          },
          (error: unknown) => {
            this.sending = false;
            if (this.destroyed_) return;
            this.queue.shift();
            next.reject(this.mapSendError(error, next.data.length));
            this.flush();
          },
        );
        return;
      }
      if (!sent) {
        if (!this.waitingWritable) {
          this.waitingWritable = true;
          this.channel.wait('writable', () => {
            this.waitingWritable = false;
            this.flush();
          });
        }
        return;
      }
      this.queue.shift();
      this.messagesSent++;
      this.idle.touch();
      next.resolve();
    }
    if (this.queue.length === 0 && this.ended && !this.finished && !this.destroyed_) {
      this.finished = true;
      try {
        this.channel.shutdownWrite();
      } catch {
        // The peer is gone already; 'close' follows from the read side.
      }
      this.maybeClose();
    }
  }

  private mapSendError(error: unknown, length: number): Error {
    // Linux 6.1 says ENOMEM, 6.12 EMSGSIZE, for a message larger than either end's buffer.
    if (VmciError.isInstance(error) && (error.code === 'ENOMEM' || error.code === 'EMSGSIZE')) {
      return new VmciError(
        'ERR_VMCI_MESSAGE_TOO_LARGE',
        `the kernel refused a ${length}-byte message (${error.code}): a SEQPACKET message may be no larger than the receiver's buffer (nor this socket's own, ${this.channel.maxMessageSize} bytes); split it, or raise the buffer size on both ends (connectSeqpacket({ bufferSize }) and createSeqpacketServer({ bufferSize }))`,
        {
          ...(error.errno !== undefined ? { errno: error.errno } : {}),
          syscall: error.syscall ?? 'sendmsg',
          cause: error,
        },
      );
    }
    return error as Error;
  }

  private pump() {
    while (!this.paused && !this.destroyed_) {
      let message: ReturnType<MessageChannel['receive']>;
      try {
        message = this.channel.receive();
      } catch (error) {
        this.destroy(error as Error);
        return;
      }
      if (message === null) {
        if (!this.waitingReadable) {
          this.waitingReadable = true;
          this.channel.wait('readable', () => {
            this.waitingReadable = false;
            this.pump();
          });
        }
        return;
      }
      if (message.length === 0 && !message.truncated && message.data.length === 0) {
        this.emit('end');
        // Like allowHalfOpen=false: our side ends once the queue drains.
        this.end();
        this.readEnded = true;
        this.maybeClose();
        return;
      }
      this.messagesReceived++;
      this.idle.touch();
      if (message.truncated) {
        this.emit(
          'error',
          new VmciError(
            'ERR_VMCI_MESSAGE_TRUNCATED',
            `a ${message.length}-byte message arrived but only ${message.data.length} bytes could be received; the rest was dropped by the kernel`,
          ),
        );
        continue;
      }
      this.emit('message', message.data, { endOfRecord: message.endOfRecord });
    }
  }

  private readEnded = false;

  private maybeClose() {
    if (this.readEnded && this.finished) this.destroy();
  }

  /** Stops delivering messages (the kernel queue then applies backpressure to the sender). */
  pause(): this {
    this.paused = true;
    return this;
  }

  resume(): this {
    if (this.paused) {
      this.paused = false;
      queueMicrotask(() => this.pump());
    }
    return this;
  }

  /** No more sends: queued messages go out, then the peer sees end of stream. */
  end(): this {
    this.ended = true;
    this.flush();
    return this;
  }

  destroy(error?: Error): this {
    if (this.destroyed_) return this;
    this.destroyed_ = true;
    this.idle.clear();
    this.channel.close();
    for (const pending of this.queue.splice(0))
      pending.reject(
        error ??
          new VmciError(
            'ERR_VMCI_SOCKET_CLOSED',
            'the message socket was destroyed before the message was sent',
          ),
      );
    queueMicrotask(() => {
      if (error) this.emit('error', error);
      this.emit('close', error !== undefined);
    });
    return this;
  }

  /**
   * Emits `'timeout'` after `timeout` ms without a message sent or received (0 disables), as
   * `net.Socket#setTimeout` does for streams; the socket stays open.
   */
  setTimeout(timeout: number, callback?: () => void): this {
    this.idle.apply(this, timeout, callback, !this.destroyed_);
    return this;
  }

  ref(): this {
    return setReferenced(this, this.channel, this.idle, true);
  }

  unref(): this {
    return setReferenced(this, this.channel, this.idle, false);
  }

  /** Messages until end of stream. */
  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
    const controller = new AbortController();
    this.once('end', () => controller.abort());
    this.once('close', () => controller.abort());
    try {
      for await (const [data] of on(this, 'message', { signal: controller.signal }))
        yield data as Buffer;
    } catch (error) {
      if ((error as Error).name !== 'AbortError') throw error;
    }
  }
}
