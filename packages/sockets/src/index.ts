/**
 * @vmci/sockets — `net`-like vsock sockets for Node.js over a pluggable Transport.
 */

export {
  type ArgumentErrorCode,
  brandErrorClass,
  type CliErrorCode,
  type ErrnoCode,
  errorCodeOf,
  type FfiErrorCode,
  type ShareErrorCode,
  type SocketsErrorCode,
  syscallError,
  type TransferErrorCode,
  VmciError,
  type VmciErrorCode,
} from '@vmci/ffi';
export {
  CID_ANY,
  type CidName,
  formatVsockAddress,
  isGuestCid,
  PORT_ANY,
  parseVsockAddress,
  resolveCid,
  resolvePort,
  type VsockAddress,
  wellKnownCids,
} from './address.js';
export type { StreamChannel, TransportClock } from './channel.js';
export { ChannelSocket, type ChannelSocketOptions } from './channel-socket.js';
export { type ConnectOptions, connect, createConnection } from './connect.js';
export { ConnectingSocket } from './connecting-socket.js';
export type { DatagramChannel, ReceivedDatagram } from './datagram-channel.js';
export {
  BoundDatagramSocket,
  type BoundDatagramSocketEvents,
  createDatagramSocket,
  type DatagramSocketEvents,
  datagramSocketOf,
  VsockDatagramSocket,
} from './datagram-socket.js';
export {
  defaultTransport,
  setDefaultTransport,
  withDefaultTransport,
} from './default-transport.js';
export {
  guestToGuestDeprecationCode,
  isGuestToGuest,
  kernelUsesVmci,
  vmciTransportMarkers,
  warnGuestToGuest,
} from './guest-to-guest.js';
export {
  type ConnectionConsumer,
  serveOverVsock,
  VsockAgent,
  type VsockAgentOptions,
} from './http.js';
export {
  HybridVsockSocket,
  HybridVsockTransport,
  type HybridVsockTransportOptions,
} from './hybrid/index.js';
export { detectBackend, type KernelBackend } from './kernel/backend.js';
export { KernelTransport, type KernelTransportOptions } from './kernel/transport.js';
export type { MessageChannel, ReceivedMessage } from './message-channel.js';
export { type MessageSocketEvents, VsockMessageSocket } from './message-socket.js';
export {
  connectSeqpacket,
  createSeqpacketServer,
  type SeqpacketConnectOptions,
  VsockSeqpacketServer,
} from './seqpacket.js';
export {
  createServer,
  type ListenOptions,
  type ServedSocket,
  type ServerOptions,
  VsockServer,
} from './server.js';
export {
  type ListenFd,
  SD_LISTEN_FDS_START,
  type SystemdListenFdsOptions,
  systemdListenFds,
} from './systemd.js';
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
export {
  parseTransportSetting,
  type TransportSetting,
  transportFromSetting,
} from './transport-setting.js';
