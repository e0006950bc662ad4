/** An in-memory StreamChannel pair with a bounded buffer per direction, for host tests. */
import type { StreamChannel } from '../src/transport-kit.js';

class Pipe {
  chunks: Buffer[] = [];
  size = 0;
  ended = false;
  readers: (() => void)[] = [];
  writers: (() => void)[] = [];
  constructor(readonly capacity: number) {}
  wake(list: (() => void)[]) {
    for (const f of list.splice(0)) setImmediate(f);
  }
}

export class MemoryChannel implements StreamChannel {
  closed = false;
  refd = true;
  constructor(
    readonly local: { cid: number; port: number },
    readonly remote: { cid: number; port: number },
    private readonly incoming: Pipe,
    private readonly outgoing: Pipe,
  ) {}
  read(buffer: Buffer): number | null {
    if (this.incoming.size === 0) return this.incoming.ended ? 0 : null;
    let n = 0;
    while (n < buffer.length && this.incoming.chunks.length > 0) {
      const head = this.incoming.chunks[0] as Buffer;
      const take = Math.min(head.length, buffer.length - n);
      head.copy(buffer, n, 0, take);
      n += take;
      if (take === head.length) this.incoming.chunks.shift();
      else this.incoming.chunks[0] = head.subarray(take);
    }
    this.incoming.size -= n;
    this.incoming.wake(this.incoming.writers);
    return n;
  }
  write(data: Buffer): number | null {
    if (this.outgoing.ended)
      throw Object.assign(new Error('write after shutdown'), { code: 'EPIPE' });
    const room = this.outgoing.capacity - this.outgoing.size;
    if (room === 0) return null;
    const n = Math.min(room, data.length);
    this.outgoing.chunks.push(Buffer.from(data.subarray(0, n)));
    this.outgoing.size += n;
    this.outgoing.wake(this.outgoing.readers);
    return n;
  }
  wait(interest: 'readable' | 'writable', callback: () => void): void {
    const ready =
      interest === 'readable'
        ? this.incoming.size > 0 || this.incoming.ended
        : this.outgoing.size < this.outgoing.capacity;
    if (ready) {
      setImmediate(() => {
        if (!this.closed) callback();
      });
      return;
    }
    const pipe = interest === 'readable' ? this.incoming : this.outgoing;
    (interest === 'readable' ? pipe.readers : pipe.writers).push(() => {
      if (!this.closed) callback();
    });
  }
  shutdownWrite(): void {
    this.outgoing.ended = true;
    this.outgoing.wake(this.outgoing.readers);
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.shutdownWrite();
    this.incoming.ended = true;
  }
  setRef(ref: boolean): void {
    this.refd = ref;
  }
  bufferSize(): number {
    return this.incoming.capacity;
  }
}

export function memoryPair(capacity = 64 * 1024): [MemoryChannel, MemoryChannel] {
  const ab = new Pipe(capacity);
  const ba = new Pipe(capacity);
  const a = { cid: 3, port: 1000 };
  const b = { cid: 2, port: 2000 };
  return [new MemoryChannel(a, b, ba, ab), new MemoryChannel(b, a, ab, ba)];
}
