/**
 * A {@link MessageChannel} over a connected SEQPACKET descriptor.
 *
 * Sends are whole-message by construction: a non-blocking `sendmsg` that runs out of the peer's
 * credit mid-message has already queued its first part without the end-of-message mark and then
 * reports EAGAIN without the count (Linux 6.1 and 6.12, measured in test-vm/seqpacket-backpressure),
 * so neither resending nor "sending the rest" can be done right. Instead the descriptor is put in
 * blocking mode and each message goes out with one blocking `sendmsg` on a threadpool thread
 * (`sendWholeMessage`): the kernel waits for credit between the parts itself. Receives pass
 * MSG_DONTWAIT and never block.
 */
import {
  closeSocket,
  getBufferSizes,
  receiveMessage,
  sendWholeMessage,
  setBlocking,
  setWaitRef,
  shutdownSocket,
} from '@vmci/ffi';
import type { VsockAddress } from '../address.js';
import type { MessageChannel, ReceivedMessage } from '../message-channel.js';
import { waitOnce } from './wait.js';

/** Descriptors with a send in flight: shut down at exit so no threadpool thread stays blocked. */
const sendingDescriptors = new Set<number>();
let exitHookInstalled = false;
function trackSending(fd: number) {
  sendingDescriptors.add(fd);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const descriptor of sendingDescriptors) {
      try {
        shutdownSocket(descriptor, 'both');
      } catch {
        // Already gone.
      }
    }
  });
}

export class FdMessageChannel implements MessageChannel {
  /** This end's buffer size as applied: the largest message it may send (and receive). */
  readonly maxMessageSize: number;
  private closed = false;
  private sending = 0;
  private descriptorClosed = false;
  /** One receive buffer per channel; each message is copied out of it. */
  private readonly scratch: Buffer;

  constructor(
    readonly fd: number,
    readonly local: VsockAddress,
    readonly remote: VsockAddress,
  ) {
    this.maxMessageSize = getBufferSizes(fd).size;
    // A message larger than our buffer cannot arrive: the sender's kernel refuses it.
    this.scratch = Buffer.allocUnsafe(this.maxMessageSize);
  }

  send(message: Buffer, endOfRecord: boolean): Promise<void> {
    // Before every send: libuv's poll handle (created on the first readiness wait) sets
    // O_NONBLOCK again, and a non-blocking descriptor would bring back the partial sends.
    setBlocking(this.fd, true);
    this.sending++;
    trackSending(this.fd);
    const settled = () => {
      if (--this.sending === 0) sendingDescriptors.delete(this.fd);
      if (this.closed) this.closeDescriptor();
    };
    return sendWholeMessage(this.fd, message, { endOfRecord }).then(
      () => settled(),
      (error: unknown) => {
        settled();
        throw error;
      },
    );
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
    if (this.sending > 0) {
      // A send blocked on a peer that stopped reading: shutting down wakes it (EPIPE); the
      // descriptor closes once it returned, so its number cannot be reused under the call.
      try {
        shutdownSocket(this.fd, 'both');
      } catch {
        // Not connected any more: the send returns by itself.
      }
      return;
    }
    this.closeDescriptor();
  }

  private closeDescriptor() {
    if (this.descriptorClosed || this.sending > 0) return;
    this.descriptorClosed = true;
    closeSocket(this.fd);
  }

  setRef(ref: boolean): void {
    setWaitRef(this.fd, ref);
  }
}
