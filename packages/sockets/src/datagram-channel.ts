/**
 * A bound DGRAM endpoint as transports provide it. Only VMware's VMCI transport has vsock
 * datagrams; virtio-vsock and vsock_loopback refuse them (ENODEV). The testkit carries them.
 */
import type { VsockAddress } from './address.js';

/** One datagram as a {@link DatagramChannel} received it. */
export interface ReceivedDatagram {
  readonly data: Buffer;
  readonly from: VsockAddress;
  /** The datagram was longer than the receive buffer; the rest is gone. */
  readonly truncated: boolean;
}

/**
 * A bound datagram endpoint below {@link VsockDatagramSocket}: non-blocking send and receive, and a
 * wait for readiness.
 */
export interface DatagramChannel {
  readonly local: VsockAddress;
  /** The largest payload one datagram carries. */
  readonly maxDatagramSize: number;
  /** true when sent, false when it would block. Throws on errors. */
  send(data: Buffer, to: VsockAddress): boolean;
  receive(): ReceivedDatagram | null;
  wait(interest: 'readable' | 'writable', callback: () => void): void;
  close(): void;
  setRef(ref: boolean): void;
}
