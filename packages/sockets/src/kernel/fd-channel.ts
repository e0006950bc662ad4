/**
 * A {@link StreamChannel} over a connected AF_VSOCK descriptor: koffi reads and writes, readiness
 * through libuv polls (backend B).
 */
import {
  closeSocket,
  getBufferSizes,
  readInto,
  setWaitRef,
  shutdownSocket,
  waitFor,
  writeFrom,
} from '@vmci/ffi';
import type { VsockAddress } from '../address.js';
import type { StreamChannel } from '../channel.js';

export class FdChannel implements StreamChannel {
  private closed = false;

  constructor(
    readonly fd: number,
    readonly local: VsockAddress,
    readonly remote: VsockAddress,
  ) {}

  read(buffer: Buffer): number | null {
    return readInto(this.fd, buffer);
  }

  write(data: Buffer): number | null {
    return writeFrom(this.fd, data);
  }

  wait(interest: 'readable' | 'writable', callback: () => void): void {
    if (this.closed) return;
    waitFor(this.fd, interest === 'readable' ? { readable: true } : { writable: true }).then(
      () => {
        if (!this.closed) callback();
      },
      () => {
        // Closed while waiting: nothing to report; the socket is being destroyed.
      },
    );
  }

  shutdownWrite(): void {
    shutdownSocket(this.fd, 'write');
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSocket(this.fd);
  }

  setRef(ref: boolean): void {
    setWaitRef(this.fd, ref);
  }

  bufferSize(): number {
    return getBufferSizes(this.fd).size;
  }
}
