/**
 * A {@link DatagramChannel} over a bound DGRAM descriptor (VMCI transport only).
 */
import { closeSocket, receiveDatagram, sendDatagram, setWaitRef } from '@vmci/ffi';
import type { VsockAddress } from '../address.js';
import type { DatagramChannel, ReceivedDatagram } from '../datagram-channel.js';
import { waitOnce } from './wait.js';

/** VMCI's largest datagram (65536) less its 24-byte header. */
export const vmciMaxDatagramSize = 65536 - 24;

export class FdDatagramChannel implements DatagramChannel {
  readonly maxDatagramSize = vmciMaxDatagramSize;
  private closed = false;
  private readonly scratch = Buffer.allocUnsafe(vmciMaxDatagramSize);

  constructor(
    readonly fd: number,
    readonly local: VsockAddress,
  ) {}

  send(data: Buffer, to: VsockAddress): boolean {
    return sendDatagram(this.fd, data, to) !== null;
  }

  receive(): ReceivedDatagram | null {
    const received = receiveDatagram(this.fd, this.scratch);
    if (!received) return null;
    return {
      data: Buffer.from(this.scratch.subarray(0, received.bytes)),
      from: { cid: received.address.cid, port: received.address.port },
      truncated: received.truncated,
    };
  }

  wait(interest: 'readable' | 'writable', callback: () => void): void {
    waitOnce(this.fd, interest, () => this.closed, callback);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSocket(this.fd);
  }

  setRef(ref: boolean): void {
    setWaitRef(this.fd, ref);
  }
}
