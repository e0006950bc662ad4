/**
 * The fake's connection endpoints: a stream, message or datagram channel over in-memory pipes.
 * `@vmci/sockets` turns them into the same socket classes the kernel transport uses.
 */
import type { VsockAddress } from '@vmci/sockets';
import type {
  DatagramChannel,
  MessageChannel,
  ReceivedDatagram,
  ReceivedMessage,
  StreamChannel,
} from '@vmci/sockets/transport';
import type { Clock } from './clock.js';
import { kernelError } from './errors.js';
import { type Pipe, readQueuedBytes } from './pipes.js';

/** Open fake resources with a label each, for leak checks, and the traffic record. */
export class ResourceCounter {
  private readonly items = new Map<object, string>();
  readonly events: string[] = [];
  private readonly started: number;

  constructor(private readonly now: () => number = Date.now) {
    this.started = now();
  }

  get open(): number {
    return this.items.size;
  }

  add(item: object, label: string): void {
    this.items.set(item, label);
    this.record(`open   ${label}`);
  }

  remove(item: object): void {
    const label = this.items.get(item);
    if (label === undefined) return;
    this.items.delete(item);
    this.record(`close  ${label}`);
  }

  labels(): string[] {
    return [...this.items.values()];
  }

  record(event: string): void {
    this.events.push(`+${String(this.now() - this.started).padStart(5)} ms  ${event}`);
    if (this.events.length > 10_000) this.events.splice(0, this.events.length - 10_000);
  }
}

export interface FakeMessage {
  readonly data: Buffer;
  readonly endOfRecord: boolean;
  readonly length: number;
}

abstract class FakeConnectionEnd<T extends { length: number }> {
  protected closed = false;

  constructor(
    readonly local: VsockAddress,
    readonly remote: VsockAddress,
    protected readonly incoming: Pipe<T>,
    protected readonly outgoing: Pipe<T>,
    protected readonly counter: ResourceCounter,
    private readonly onClose: () => void,
  ) {
    counter.add(
      this,
      `${this.constructor.name === 'FakeMessageChannel' ? 'seqpacket' : 'stream'} ${local.cid}:${local.port} ↔ ${remote.cid}:${remote.port}`,
    );
  }

  /** The hypervisor's clock: the socket's idle timer (`setTimeout`) follows it, as faults do. */
  get clock(): Clock {
    return this.incoming.clock;
  }

  wait(interest: 'readable' | 'writable', callback: () => void): void {
    if (this.closed) return;
    (interest === 'readable' ? this.incoming : this.outgoing).wait(interest, () => {
      if (!this.closed) callback();
    });
  }

  shutdownWrite(): void {
    const outgoing = this.outgoing;
    // Like shutdown(2): fine after the peer closed; only a reset connection reports an error.
    if (outgoing.reset && outgoing.reset.code !== 'EPIPE') throw outgoing.reset;
    outgoing.end();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.counter.remove(this);
    this.outgoing.end();
    // The peer can no longer write to us.
    this.incoming.fail(
      kernelError('EPIPE', 'send', 'the peer has closed its end: no more data can be sent'),
    );
    this.onClose();
  }

  setRef(): void {
    // In-memory waits hold no event-loop handle, so there is nothing to (un)reference.
  }

  bufferSize(): number {
    return this.incoming.bufferSize;
  }
}

export class FakeStreamChannel extends FakeConnectionEnd<Buffer> implements StreamChannel {
  read(buffer: Buffer): number | null {
    const pipe = this.incoming;
    if (pipe.items.length === 0) {
      if (pipe.reset && pipe.reset.code !== 'EPIPE') throw pipe.reset;
      return (pipe.ended && pipe.inFlight() === 0) || pipe.reset ? 0 : null;
    }
    const n = readQueuedBytes(pipe.items, buffer);
    if (n > 0) pipe.took(n);
    return n;
  }

  /** Bytes written but not yet across the (shaped) link: the fake's SIOCOUTQ. */
  unsentBytes(): number {
    return this.outgoing.inFlight();
  }

  write(data: Buffer): number | null {
    const pipe = this.outgoing;
    if (pipe.reset) throw pipe.reset;
    if (pipe.ended) throw kernelError('EPIPE', 'send', 'this end was shut down for writing');
    const room = pipe.stalled ? 0 : pipe.capacity - pipe.size;
    if (room <= 0) return null;
    const n = Math.min(room, data.length);
    pipe.push(Buffer.from(data.subarray(0, n)));
    return n;
  }
}

/** The default SEQPACKET limit: the default 256 KiB buffer (larger buffers carry larger messages). */
export const fakeMaxMessageSize = 256 * 1024;

/**
 * As on the kernel: a message may be no larger than the sender's buffer nor the receiver's
 * (each end's buffer is its incoming pipe's capacity); larger ones fail with EMSGSIZE.
 */
export class FakeMessageChannel extends FakeConnectionEnd<FakeMessage> implements MessageChannel {
  constructor(
    local: VsockAddress,
    remote: VsockAddress,
    incoming: Pipe<FakeMessage>,
    outgoing: Pipe<FakeMessage>,
    counter: ResourceCounter,
    onClose: () => void,
    /** Staged faults on what this end receives (a truncated message). */
    private readonly staged: (message: ReceivedMessage) => ReceivedMessage = (m) => m,
  ) {
    super(local, remote, incoming, outgoing, counter, onClose);
  }

  /** This end's own buffer size. */
  get maxMessageSize(): number {
    return this.incoming.bufferSize;
  }

  /** The peer's buffer size (a message larger than it is refused too). */
  get peerBufferSize(): number {
    return this.outgoing.bufferSize;
  }

  send(message: Buffer, endOfRecord: boolean): boolean {
    const pipe = this.outgoing;
    if (pipe.reset) throw pipe.reset;
    if (pipe.ended) throw kernelError('EPIPE', 'sendmsg', 'this end was shut down for writing');
    // The buffers themselves bound a message, not the credit in flight (capacity, their minimum).
    if (message.length > Math.min(this.maxMessageSize, pipe.bufferSize))
      throw kernelError(
        'EMSGSIZE',
        'sendmsg',
        `the message is larger than the sender's (${this.maxMessageSize}) or the receiver's (${pipe.bufferSize}) buffer: split it`,
      );
    if (pipe.stalled) return false;
    if (pipe.size + message.length > pipe.capacity && pipe.size > 0) return false;
    pipe.push({ data: Buffer.from(message), endOfRecord, length: message.length });
    return true;
  }

  receive(): ReceivedMessage | null {
    const pipe = this.incoming;
    const message = pipe.shift();
    if (!message) {
      if (pipe.reset && pipe.reset.code !== 'EPIPE') throw pipe.reset;
      return (pipe.ended && pipe.inFlight() === 0) || pipe.reset
        ? { data: Buffer.alloc(0), length: 0, truncated: false, endOfRecord: false }
        : null;
    }
    return this.staged({
      data: message.data,
      length: message.length,
      truncated: false,
      endOfRecord: message.endOfRecord,
    });
  }
}

/** VMCI's largest datagram payload (65536 less the 24-byte header). */
export const fakeMaxDatagramSize = 65536 - 24;

export interface DatagramRouter {
  deliver(from: VsockAddress, to: VsockAddress, data: Buffer): void;
}

export class FakeDatagramChannel implements DatagramChannel {
  readonly maxDatagramSize = fakeMaxDatagramSize;
  private closed = false;

  constructor(
    readonly local: VsockAddress,
    readonly inbox: Pipe<ReceivedDatagram & { length: number }>,
    private readonly router: DatagramRouter,
    private readonly counter: ResourceCounter,
    private readonly onClose: () => void,
  ) {
    counter.add(this, `dgram ${local.cid}:${local.port}`);
  }

  send(data: Buffer, to: VsockAddress): boolean {
    if (this.closed) throw kernelError('EBADF', 'sendto', 'the socket is closed');
    if (data.length > this.maxDatagramSize)
      throw kernelError('EMSGSIZE', 'sendto', 'the datagram is larger than VMCI allows');
    this.router.deliver(this.local, to, Buffer.from(data));
    return true;
  }

  receive(): ReceivedDatagram | null {
    return this.inbox.shift() ?? null;
  }

  wait(interest: 'readable' | 'writable', callback: () => void): void {
    if (this.closed) return;
    if (interest === 'writable') {
      setImmediate(() => {
        if (!this.closed) callback();
      });
      return;
    }
    this.inbox.wait('readable', () => {
      if (!this.closed) callback();
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.counter.remove(this);
    this.onClose();
  }

  setRef(): void {}
}
