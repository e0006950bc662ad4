/**
 * `@vmci/sockets/transport` — for transport implementers: the {@link Transport} interfaces, the
 * channels below the sockets, and the building blocks a transport needs to hand out sockets that
 * behave like every other transport's (the kernel's, hybrid vsock's, the testkit's). Applications
 * use the main entry, `@vmci/sockets`.
 *
 * - A transport whose connections are non-blocking byte streams implements {@link StreamChannel}
 *   and hands out `new ChannelSocket(channel)`; SEQPACKET and datagram transports implement
 *   {@link MessageChannel} / {@link DatagramChannel} and hand out {@link messageSocketOf} /
 *   {@link datagramSocketOf}.
 * - A transport whose connections are `net.Socket`s (a Unix socket, a libuv pipe) makes them
 *   report vsock addresses with {@link vsockAddressProperties}, checks `setTimeout` as `net` does
 *   with {@link validateSetTimeout}, and rejects `flushed()` with {@link cannotTellFlushed} where
 *   it cannot tell. `@vmci/hybrid`'s `HybridVsockSocket` (over a hybrid vsock device's Unix
 *   socket) is built this way.
 * - Optional capabilities (SEQPACKET, datagrams, serving a descriptor) are left out where the
 *   transport cannot do them; {@link requireCapability} is the check the API runs.
 */
import type { MessageChannel } from './message-channel.js';
import { VsockMessageSocket } from './message-socket.js';

export { validateSetTimeout } from './arguments.js';
export type { StreamChannel, TransportClock } from './channel.js';
export { ChannelSocket, type ChannelSocketOptions } from './channel-socket.js';
export { ConnectingSocket } from './connecting-socket.js';
export type { DatagramChannel, ReceivedDatagram } from './datagram-channel.js';
export {
  BoundDatagramSocket,
  type BoundDatagramSocketEvents,
  datagramSocketOf,
} from './datagram-socket.js';
export { cannotTellFlushed } from './flushed.js';
export type { MessageChannel, ReceivedMessage } from './message-channel.js';
export { type MessageSocketEvents, VsockMessageSocket } from './message-socket.js';
export { vsockAddressProperties } from './net-socket-addresses.js';
export {
  requireCapability,
  type Transport,
  type TransportCapability,
  type TransportConnectRequest,
  type TransportFdListenRequest,
  type TransportListener,
  type TransportListenHandlers,
  type TransportListenRequest,
  type VsockSocket,
} from './transport.js';

/** A connected SEQPACKET socket over a transport's {@link MessageChannel}. */
export function messageSocketOf(channel: MessageChannel): VsockMessageSocket {
  return new VsockMessageSocket(channel);
}
