/**
 * A {@link StreamChannel} over a connected AF_VSOCK descriptor: koffi reads and writes, readiness
 * through one libuv poll handle per connection whose interest follows the pending waits
 * (backend B).
 */
import {
  closeSocket,
  FdPoller,
  getBufferSizes,
  type Readiness,
  readInto,
  shutdownSocket,
  unsentBytes,
  VmciError,
  writeFrom,
} from '@vmci/ffi';
import type { VsockAddress } from '../address.js';
import type { StreamChannel } from '../channel.js';

export class FdChannel implements StreamChannel {
  private closed = false;
  private readonly poller: FdPoller;
  private readers: (() => void)[] = [];
  private writers: (() => void)[] = [];
  private polling: 'none' | 'r' | 'w' | 'rw' = 'none';
  /** While callbacks run, new waits only queue: the interest is updated once afterwards. */
  private dispatching = false;

  /**
   * `localOf` reads this end's address when it is first asked for (see `lazyLocalAddress`);
   * `poller` is the descriptor's handle when there is one to take over (the connect's, see
   * `connectSocket`'s `keepPoll`), else the channel makes its own.
   */
  constructor(
    readonly fd: number,
    private readonly localOf: () => VsockAddress,
    readonly remote: VsockAddress,
    poller?: FdPoller,
  ) {
    this.poller = poller ?? new FdPoller(fd);
  }

  /** This end's address; the socket asks only while open (after `close` the fd is not ours). */
  get local(): VsockAddress {
    if (this.closed)
      throw new VmciError('ERR_VMCI_SOCKET_CLOSED', 'the channel is closed: its address is gone');
    return this.localOf();
  }

  read(buffer: Buffer): number | null {
    return readInto(this.fd, buffer);
  }

  write(data: Buffer): number | null {
    return writeFrom(this.fd, data);
  }

  wait(interest: 'readable' | 'writable', callback: () => void): void {
    if (this.closed) return;
    (interest === 'readable' ? this.readers : this.writers).push(callback);
    if (!this.dispatching) this.updateInterest();
  }

  private updateInterest() {
    const wanted =
      this.readers.length > 0
        ? this.writers.length > 0
          ? 'rw'
          : 'r'
        : this.writers.length > 0
          ? 'w'
          : 'none';
    if (wanted === this.polling) return;
    this.polling = wanted;
    if (wanted === 'none') {
      this.poller.stop();
      return;
    }
    this.poller.start(
      { readable: wanted !== 'w', writable: wanted !== 'r', disconnect: true },
      (ready) => this.dispatch(ready),
    );
  }

  private dispatch(ready: Readiness) {
    const failed = ready.disconnect || ready.error !== undefined;
    const readers = ready.readable || failed ? this.readers : [];
    const writers = ready.writable || failed ? this.writers : [];
    if (readers.length > 0) this.readers = [];
    if (writers.length > 0) this.writers = [];
    // Run the callbacks first: they usually wait again at once, and then the handle's interest
    // does not change at all (each start/stop of a uv_poll_t is an epoll_ctl).
    this.dispatching = true;
    try {
      for (const callback of readers) callback();
      for (const callback of writers) callback();
    } finally {
      this.dispatching = false;
    }
    if (!this.closed) this.updateInterest();
  }

  shutdownWrite(): void {
    shutdownSocket(this.fd, 'write');
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.readers = [];
    this.writers = [];
    this.poller.close();
    closeSocket(this.fd);
  }

  setRef(ref: boolean): void {
    if (ref) this.poller.ref();
    else this.poller.unref();
  }

  bufferSize(): number {
    return getBufferSizes(this.fd).size;
  }

  unsentBytes(): number {
    return unsentBytes(this.fd);
  }
}
