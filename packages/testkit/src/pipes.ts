/**
 * In-memory byte and message queues with a capacity, level-triggered waits and resets: the
 * fake's stand-in for a connection's kernel buffers.
 */
import type { VmciError } from '@vmci/sockets';
import { type Clock, systemClock } from './clock.js';

type Waiter = () => void;

/**
 * Moves queued byte chunks into `buffer`, oldest first, as a stream read does: whole chunks leave
 * the queue, a chunk that does not fit is split and its rest stays at the head. Returns the bytes
 * moved (0 when the queue is empty).
 */
export function readQueuedBytes(queue: Buffer[], buffer: Buffer): number {
  let n = 0;
  while (n < buffer.length && queue.length > 0) {
    const head = queue[0] as Buffer;
    const take = Math.min(head.length, buffer.length - n);
    head.copy(buffer, n, 0, take);
    n += take;
    if (take === head.length) queue.shift();
    else queue[0] = head.subarray(take);
  }
  return n;
}

/** One direction of a connection: what the sender wrote and the receiver has not read. */
export class Pipe<T extends { length: number }> {
  readonly items: T[] = [];
  size = 0;
  /** The writer shut down (the reader sees end of stream after the queue). */
  ended = false;
  /** The connection was reset: both ends fail with this. */
  reset: VmciError | undefined;
  private readers: Waiter[] = [];
  private writers: Waiter[] = [];

  /** One-way delay (ms) and throughput cap (bytes/s) of this direction; 0 = none. */
  latencyMs = 0;
  bytesPerSecond = 0;
  private linkFreeAt = 0;
  /** Keeps time for latency and bandwidth (the hypervisor's clock). */
  clock: Clock = systemClock;
  /** The receiver grants no credit (a peer that stopped reading): the sender blocks. */
  stalled = false;

  /**
   * @param capacity bytes that may be queued in this direction before the sender blocks.
   * @param bufferSize the receiving end's own buffer size (what it reports); default `capacity`.
   */
  constructor(
    public capacity: number,
    readonly bufferSize = capacity,
  ) {}

  get readable(): boolean {
    return (
      this.items.length > 0 || (this.ended && this.inFlight() === 0) || this.reset !== undefined
    );
  }

  /** Bytes pushed but not yet delivered across a shaped link. */
  inFlight(): number {
    let queued = 0;
    for (const item of this.items) queued += item.length;
    return this.size - queued;
  }

  get writable(): boolean {
    return (this.size < this.capacity && !this.stalled) || this.ended || this.reset !== undefined;
  }

  push(item: T): void {
    this.size += item.length;
    if (this.latencyMs === 0 && this.bytesPerSecond === 0) {
      this.items.push(item);
      this.wake('readers');
      return;
    }
    // In flight: counts against the capacity now, readable once it has crossed the link.
    const now = this.clock.now();
    const start = Math.max(now, this.linkFreeAt);
    this.linkFreeAt =
      start + (this.bytesPerSecond > 0 ? (item.length * 1000) / this.bytesPerSecond : 0);
    this.clock.setTimer(this.linkFreeAt - now + this.latencyMs, () => {
      if (this.reset) return;
      this.items.push(item);
      this.wake('readers');
    });
  }

  shift(): T | undefined {
    const item = this.items.shift();
    if (item) {
      this.size -= item.length;
      this.wake('writers');
    }
    return item;
  }

  /** The reader took `bytes` out of {@link items} itself (whole items, or part of the head). */
  took(bytes: number): void {
    this.size -= bytes;
    this.wake('writers');
  }

  /** Stops or restores the receiver's credit. */
  stall(stalled: boolean): void {
    this.stalled = stalled;
    if (!stalled) this.wake('writers');
  }

  end(): void {
    this.ended = true;
    this.wake('readers');
  }

  fail(error: VmciError): void {
    if (this.reset) return;
    this.reset = error;
    this.wake('readers');
    this.wake('writers');
  }

  /** Level-triggered: calls back soon if the condition already holds. */
  wait(interest: 'readable' | 'writable', callback: Waiter): void {
    if (interest === 'readable' ? this.readable : this.writable) {
      setImmediate(callback);
      return;
    }
    (interest === 'readable' ? this.readers : this.writers).push(callback);
  }

  private wake(which: 'readers' | 'writers') {
    const list = which === 'readers' ? this.readers : this.writers;
    if (list.length === 0) return;
    const callbacks = list.splice(0);
    setImmediate(() => {
      for (const callback of callbacks) callback();
    });
  }
}
