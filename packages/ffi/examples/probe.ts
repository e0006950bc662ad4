import {
  bindSocket,
  closeSocket,
  createSocket,
  getAFValue,
  getLocalCID,
  listenSocket,
  localAddress,
  VMADDR_CID_ANY,
  VMADDR_PORT_ANY,
  VmciError,
} from '@vmci/ffi';

console.log('AF_VSOCK =', getAFValue(), 'local CID =', getLocalCID());
const fd = createSocket('stream'); // SOCK_NONBLOCK | SOCK_CLOEXEC
try {
  bindSocket(fd, { cid: VMADDR_CID_ANY, port: VMADDR_PORT_ANY });
  listenSocket(fd);
  console.log('listening on port', localAddress(fd).port);
} catch (error) {
  if (VmciError.isInstance(error)) console.error(error.code, error.message); // e.g. EADDRINUSE
} finally {
  closeSocket(fd);
}
