/**
 * errno numbers → names (from Node's own table for this platform) and advice for the ones a vsock
 * user meets.
 */
import { constants } from 'node:os';
import type { ErrnoCode } from './error-codes.js';
import type { ErrnoContext } from './errors.js';

const names = new Map<number, string>();
for (const [name, value] of Object.entries(constants.errno)) {
  // Keep the first name for aliases (EAGAIN before EWOULDBLOCK, as Node orders them).
  if (!names.has(value)) names.set(value, name);
}

/** The errno name for a number on this platform (`111` → `ECONNREFUSED`), or `ERRNO_<n>` for one Node does not name. */
export function errnoName(errno: number): ErrnoCode {
  return (names.get(errno) as ErrnoCode | undefined) ?? `ERRNO_${errno}`;
}

export function errnoNumber(name: keyof typeof constants.errno): number {
  return constants.errno[name];
}

const hints: Record<string, (syscall: string, context: ErrnoContext) => string> = {
  ENODEV: (_, c) =>
    c.socketType === 'dgram'
      ? 'vsock datagrams exist only on the VMCI transport (VMware); virtio-vsock and vsock_loopback have none: use a stream or seqpacket socket'
      : 'no vsock transport reaches that CID: check the CID, and that the VM has a vsock device (virtio-vsock, VMCI) with its driver loaded',
  ECONNRESET: (syscall) =>
    syscall === 'connect'
      ? 'nothing listens on that port of that CID: start the server first, or check the port'
      : 'the peer reset the connection',
  ETIMEDOUT: () =>
    'the peer VM did not answer within the connect timeout: check that the CID is running and reachable, or raise the connect timeout',
  EADDRNOTAVAIL: () => "that CID is not this VM's: bind to VMADDR_CID_ANY (-1) or to the local CID",
  EADDRINUSE: () =>
    'another socket is bound to that port: pick another port, or port VMADDR_PORT_ANY to get a free one',
  EACCES: () => 'ports below 1024 need CAP_NET_BIND_SERVICE (run as root or grant the capability)',
  EPERM: () => 'the operation is not permitted for this process (capabilities or seccomp policy)',
  EAFNOSUPPORT: () => 'this kernel has no AF_VSOCK (load the vsock module, e.g. `modprobe vsock`)',
  ENOPROTOOPT: () =>
    'this vsock transport does not implement that option (virtio supports only the buffer sizes and connect timeout)',
  ENOMEM: (syscall) =>
    syscall.startsWith('send')
      ? "the message is larger than the sender's or the receiver's buffer (Linux 6.1 says ENOMEM; SO_VM_SOCKETS_BUFFER_SIZE, 256 KiB by default): split it, or raise the buffer size on both ends"
      : 'the kernel is out of memory for this request',
  EMSGSIZE: (_, c) =>
    c.socketType === 'dgram'
      ? 'the datagram is too large for this socket type: split it'
      : "the message is larger than the sender's or the receiver's buffer (SO_VM_SOCKETS_BUFFER_SIZE, 256 KiB by default): split it, or raise the buffer size on both ends",
  ENOTCONN: () =>
    'the socket is not connected (connect first, or the connection is still in progress)',
  EPIPE: () => 'the peer has closed its end: no more data can be sent',
  EBADF: () => 'the descriptor is not open (already closed?)',
  EINVAL: () =>
    'invalid argument for this socket state (e.g. listen on an unbound socket, or a bad address)',
  EMFILE: () => 'this process has too many open files: close some, or raise the limit (ulimit -n)',
  ENOTTY: () =>
    'this device does not support that ioctl (upstream kernels answer only IOCTL_VM_SOCKETS_GET_LOCAL_CID)',
  ENOENT: () => 'no such device: /dev/vsock is missing (load the vsock module)',
  EAGAIN: () => 'the operation would block; wait for readiness and retry',
  EINPROGRESS: () => 'the connection is in progress; wait for the socket to become writable',
};

export function describeErrno(
  errno: number,
  syscall: string,
  context: ErrnoContext,
): { name: ErrnoCode; hint: string } {
  const name = errnoName(errno);
  return {
    name,
    hint: hints[name]?.(syscall, context) ?? `the kernel returned ${name} (errno ${errno})`,
  };
}
