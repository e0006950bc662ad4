/**
 * A {@link MessageChannel} over a connected SEQPACKET descriptor.
 */
import { closeSocket, receiveMessage, sendMessage, setWaitRef, shutdownSocket } from '@vmci/ffi';
import type { VsockAddress } from '../address.js';
import type { MessageChannel, ReceivedMessage } from '../message-channel.js';
import { waitOnce } from './wait.js';

/** virtio-vsock and vsock_loopback carry SEQPACKET messages up to 256 KiB (larger: ENOMEM). */
export const kernelMaxMessageSize = 256 * 1024;

export class FdMessageChannel implements MessageChannel {
  readonly maxMessageSize = kernelMaxMessageSize;
  private closed = false;
  /** One receive buffer per channel; each message is copied out of it. */
  private readonly scratch = Buffer.allocUnsafe(kernelMaxMessageSize);

  constructor(
    readonly fd: number,
    readonly local: VsockAddress,
    readonly remote: VsockAddress,
  ) {}

  send(message: Buffer, endOfRecord: boolean): boolean {
    return sendMessage(this.fd, message, { endOfRecord }) !== null;
  }

  receive(): ReceivedMessage | null {
    const received = receiveMessage(this.fd, this.scratch);
    if (!received) return null;
    return {
      data: Buffer.from(this.scratch.subarray(0, received.bytes)),
      length: received.length,
      truncated: received.truncated,
      endOfRecord: received.endOfRecord,
    };
  }

  wait(interest: 'readable' | 'writable', callback: () => void): void {
    waitOnce(this.fd, interest, () => this.closed, callback);
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
}
