/**
 * @vmci/ffi — AF_VSOCK / VMCI Sockets for Node.js through koffi: libc calls on non-blocking,
 * close-on-exec descriptors, the `sockaddr_vm` codec from the generated layout, VMware's
 * `VMCISock_*` helpers re-implemented, typed options, and errno → typed errors.
 *
 * Importing works on every platform; the first syscall throws `ERR_VMCI_UNSUPPORTED_PLATFORM`
 * where vsock syscalls are not supported (everything but Linux x64/arm64 today).
 */
export { type ConnectOptions, connectSocket } from './connect.js';
export { errnoName } from './errno.js';
export type {
  ArgumentErrorCode,
  CliErrorCode,
  ErrnoCode,
  FfiErrorCode,
  ProxyErrorCode,
  ShareErrorCode,
  SocketsErrorCode,
  TransferErrorCode,
  VmciErrorCode,
} from './error-codes.js';
export { exitCodeFor } from './error-codes.js';
export {
  argumentError,
  brandErrorClass,
  errnoError,
  errorCodeOf,
  formatAddress,
  syscallError,
  VmciError,
  type VmciErrorOptions,
  type VsockAddress,
} from './errors.js';
export * as generated from './generated/index.js';
export {
  type AFValueSource,
  getAFValue,
  getAFValueDetailed,
  getAFValueFd,
  getLocalCID,
  releaseAFValueFd,
  type VsockVersion,
  version,
  vmwareIoctls,
  vsockDevicePaths,
} from './helpers.js';
export { libcConstants, type SocketType } from './libc-constants.js';
export {
  type BufferSizes,
  getBufferSizes,
  getConnectTimeout,
  getPeerHostVmId,
  getRawOption,
  getTrusted,
  setBufferSize,
  setBufferSizes,
  setConnectTimeout,
  setRawOption,
} from './options.js';
export { currentTarget, type SupportedTarget, vmSocketsFor } from './platform.js';
export {
  FdPoller,
  type PollInterest,
  polledDescriptors,
  type Readiness,
  releasePoll,
  setWaitRef,
  takePoll,
  waitFor,
} from './poll.js';
export {
  currentSockaddrVmLayout,
  decodeSockaddrVm,
  encodeSockaddrVm,
  type SockaddrVm,
  type SockaddrVmLayout,
} from './sockaddr.js';
export {
  acceptConnection,
  adoptListeningSocket,
  bindSocket,
  closeSocket,
  connectError,
  createSocket,
  descriptorFlags,
  iovecLayout,
  listenSocket,
  localAddress,
  msghdrLayout,
  type ReceivedMessage,
  readInto,
  receiveDatagram,
  receiveMessage,
  remoteAddress,
  type SendMessageOptions,
  SIOCOUTQ,
  sendDatagram,
  sendMessage,
  sendWholeMessage,
  setBlocking,
  shutdownSocket,
  socketError,
  startConnect,
  unsentBytes,
  writeFrom,
} from './socket.js';
export {
  isGuestCid,
  VMADDR_CID_ANY,
  VMADDR_CID_HOST,
  VMADDR_CID_HYPERVISOR,
  VMADDR_CID_LOCAL,
  VMADDR_PORT_ANY,
} from './well-known.js';
