/**
 * @vmci/sockets — `net`-like vsock sockets for Node.js over a pluggable Transport. Implementation
 * classes and channels (what a transport builds its sockets from) are in
 * `@vmci/sockets/transport`, for transport implementers.
 */

export {
  type ArgumentErrorCode,
  brandErrorClass,
  type CliErrorCode,
  type ErrnoCode,
  errorCodeOf,
  type FfiErrorCode,
  type ProxyErrorCode,
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
export { type ConnectOptions, connect, createConnection } from './connect.js';
export {
  type BoundDatagramSocket,
  type BoundDatagramSocketEvents,
  createDatagramSocket,
  type DatagramSocketEvents,
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
export { detectBackend, type KernelBackend } from './kernel/backend.js';
export { KernelTransport, type KernelTransportOptions } from './kernel/transport.js';
export type { MessageSocketEvents, VsockMessageSocket } from './message-socket.js';
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
export type {
  Transport,
  TransportCapability,
  TransportConnectRequest,
  TransportFdListenRequest,
  TransportListener,
  TransportListenHandlers,
  TransportListenRequest,
  VsockSocket,
} from './transport.js';
export {
  parseTransportSetting,
  type TransportSetting,
  transportFromSetting,
} from './transport-setting.js';
