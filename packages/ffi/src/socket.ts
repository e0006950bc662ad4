/**
 * AF_VSOCK syscalls on raw descriptors. Every descriptor is created non-blocking and close-on-exec;
 * calls that would block return `null` instead of throwing, every other failure is a typed
 * {@link VmciError} with the errno name as `code`.
 */

import { release } from 'node:os';
import { errnoName } from './errno.js';
import { type ErrnoContext, errnoError, VmciError } from './errors.js';
import { koffi } from './koffi.js';
import { getLibc } from './libc.js';
import { libcConstants as C, type SocketType, socketTypeNumbers } from './libc-constants.js';
import { releasePoll } from './poll.js';
import {
  currentSockaddrVmLayout,
  decodeSockaddrVm,
  encodeSockaddrVm,
  type SockaddrVm,
} from './sockaddr.js';

const wouldBlock = (errno: number) => {
  const name = errnoName(errno);
  return name === 'EAGAIN' || name === 'EWOULDBLOCK';
};

/**
 * The result of a data syscall: the count, `null` when it would block, or the typed error. Call it
 * right after the syscall (errno is per thread and the next call overwrites it).
 */
function transferred(n: number, syscall: string, context: ErrnoContext = {}): number | null {
  if (n >= 0) return n;
  const errno = getLibc().errno();
  if (wouldBlock(errno)) return null;
  throw errnoError(syscall, errno, context);
}

/**
 * Runs a non-blocking data syscall again while a signal interrupts it (EINTR), as libuv does: a
 * non-blocking call that was interrupted transferred nothing, so repeating it is safe.
 */
function retryInterrupted(call: () => number): number {
  for (;;) {
    const n = call();
    if (n >= 0 || errnoName(getLibc().errno()) !== 'EINTR') return n;
  }
}

function checkFd(fd: number) {
  if (!Number.isInteger(fd) || fd < 0) {
    throw new VmciError(
      'ERR_VMCI_INVALID_ARGUMENT',
      `a file descriptor must be a non-negative integer, got ${String(fd)}`,
    );
  }
}

function checkRange(buffer: Buffer, offset: number, length: number) {
  if (
    !Number.isInteger(offset) ||
    !Number.isInteger(length) ||
    offset < 0 ||
    length < 0 ||
    offset + length > buffer.length
  ) {
    throw new VmciError(
      'ERR_VMCI_INVALID_ARGUMENT',
      `offset ${offset} and length ${length} do not fit a buffer of ${buffer.length} bytes`,
    );
  }
}

/** Creates a vsock socket (non-blocking, close-on-exec). */
export function createSocket(type: SocketType): number {
  const number = socketTypeNumbers[type];
  if (number === undefined) {
    throw new VmciError(
      'ERR_VMCI_INVALID_ARGUMENT',
      `socket type must be 'stream', 'seqpacket' or 'dgram', got ${String(type)}`,
    );
  }
  const libc = getLibc();
  const fd = libc.socket(C.AF_VSOCK, number | C.SOCK_NONBLOCK | C.SOCK_CLOEXEC, 0);
  if (fd < 0) throw errnoError('socket', libc.errno(), { socketType: type });
  return fd;
}

/** `bind()` a vsock descriptor to an address; errors carry the address (`EADDRINUSE`, `EADDRNOTAVAIL`). */
export function bindSocket(fd: number, address: SockaddrVm): void {
  checkFd(fd);
  const libc = getLibc();
  const encoded = encodeSockaddrVm(address);
  if (libc.bind(fd, encoded, encoded.length) < 0)
    throw errnoError('bind', libc.errno(), { address });
}

/**
 * `listen()` with a backlog (default 511, as Node's); a negative or fractional backlog is
 * `ERR_VMCI_INVALID_ARGUMENT`.
 */
export function listenSocket(fd: number, backlog = 511): void {
  checkFd(fd);
  if (!Number.isInteger(backlog) || backlog < 0) {
    throw new VmciError(
      'ERR_VMCI_INVALID_ARGUMENT',
      `backlog must be a non-negative integer, got ${String(backlog)}`,
    );
  }
  const libc = getLibc();
  if (libc.listen(fd, backlog) < 0) throw errnoError('listen', libc.errno());
}

/** What {@link sockaddrOut} hands out: the buffer, its `socklen_t`, and the decoder. */
interface SockaddrOut {
  readonly address: Buffer;
  readonly length: Buffer;
  decode(): SockaddrVm;
}
let sharedSockaddrOut: SockaddrOut | undefined;

/**
 * A `struct sockaddr_vm` the kernel fills (accept4, getsockname, getpeername, recvfrom): the
 * buffer, its `socklen_t` in/out length set to the buffer's size, and the decoder of the result.
 * One pair of buffers per process, not two allocations per call: every caller is synchronous and
 * decodes right after its syscall, before anything else can use them.
 */
function sockaddrOut(): SockaddrOut {
  if (!sharedSockaddrOut) {
    const layout = currentSockaddrVmLayout();
    const address = Buffer.alloc(layout.size);
    sharedSockaddrOut = {
      address,
      length: Buffer.alloc(4),
      decode: () => decodeSockaddrVm(address, layout),
    };
  }
  sharedSockaddrOut.length.writeUInt32LE(sharedSockaddrOut.address.length);
  return sharedSockaddrOut;
}

/**
 * Accepts one pending connection (non-blocking, close-on-exec), or `null` when none is pending.
 * Transient failures are retried as libuv does for `net`: EINTR (a signal arrived during the
 * call, e.g. SIGCHLD) and ECONNABORTED (that connection went away before we took it; take the
 * next). Everything else — EMFILE/ENFILE at the descriptor limit, too — is a typed error.
 */
export function acceptConnection(fd: number): { fd: number; address: SockaddrVm } | null {
  checkFd(fd);
  const libc = getLibc();
  const { address, length, decode } = sockaddrOut();
  for (;;) {
    // Each try starts from the buffer's size (the kernel writes the address's length back).
    length.writeUInt32LE(address.length);
    const accepted = libc.accept4(fd, address, length, C.SOCK_NONBLOCK | C.SOCK_CLOEXEC);
    if (accepted >= 0) return { fd: accepted, address: decode() };
    const errno = libc.errno();
    if (wouldBlock(errno)) return null;
    const name = errnoName(errno);
    if (name === 'EINTR' || name === 'ECONNABORTED') continue;
    throw errnoError('accept4', errno);
  }
}

/**
 * Starts a connect on a non-blocking socket: `'connected'` when it completed at once,
 * `'in-progress'` when the caller must wait for writability and then call {@link connectError}.
 */
export function startConnect(fd: number, address: SockaddrVm): 'connected' | 'in-progress' {
  checkFd(fd);
  const libc = getLibc();
  const encoded = encodeSockaddrVm(address);
  if (libc.connect(fd, encoded, encoded.length) === 0) return 'connected';
  const errno = libc.errno();
  if (errnoName(errno) === 'EINPROGRESS') return 'in-progress';
  throw errnoError('connect', errno, { address });
}

/** `intOption`'s out-buffers: one pair per process (the value is read right after the call). */
let intOut: { value: Buffer; length: Buffer } | undefined;

/** An `int` socket option at level SOL_SOCKET. */
function intOption(fd: number, name: number): number {
  intOut ??= { value: Buffer.alloc(4), length: Buffer.alloc(4) };
  const { value, length } = intOut;
  length.writeUInt32LE(4);
  const libc = getLibc();
  if (libc.getsockopt(fd, C.SOL_SOCKET, name, value, length) < 0)
    throw errnoError('getsockopt', libc.errno());
  return value.readInt32LE(0);
}

/** The pending error of a socket (`SO_ERROR`), cleared by reading it; 0 when none. */
export function socketError(fd: number): number {
  return intOption(fd, C.SO_ERROR);
}

/** After a non-blocking connect became writable: undefined on success, else the connect error. */
export function connectError(fd: number, address: SockaddrVm): VmciError | undefined {
  const errno = socketError(fd);
  return errno === 0 ? undefined : errnoError('connect', errno, { address });
}

function nameOf(fd: number, which: 'getsockname' | 'getpeername'): SockaddrVm {
  checkFd(fd);
  const libc = getLibc();
  const { address, length, decode } = sockaddrOut();
  if (libc[which](fd, address, length) < 0) throw errnoError(which, libc.errno());
  return decode();
}

/** `getsockname`: after connect, Linux reports the client's CID as 0xFFFFFFFF (VMADDR_CID_ANY). */
export const localAddress = (fd: number) => nameOf(fd, 'getsockname');
/** `getpeername`: the connected peer's address. */
export const remoteAddress = (fd: number) => nameOf(fd, 'getpeername');

/** `shutdown()` one or both directions of a connected descriptor. */
export function shutdownSocket(fd: number, how: 'read' | 'write' | 'both'): void {
  checkFd(fd);
  const libc = getLibc();
  const value = how === 'read' ? C.SHUT_RD : how === 'write' ? C.SHUT_WR : C.SHUT_RDWR;
  if (libc.shutdown(fd, value) < 0) throw errnoError('shutdown', libc.errno());
}

/** Closes a descriptor, closing its poll handle first (pending `waitFor`s reject). */
export function closeSocket(fd: number): void {
  checkFd(fd);
  releasePoll(fd);
  const libc = getLibc();
  if (libc.close(fd) < 0) throw errnoError('close', libc.errno());
}

/** `fd`, `buffer`, and the range of it: `length` bytes (default: the rest) at `offset` (default 0). */
type BufferRange = [fd: number, buffer: Buffer, offset?: number, length?: number];

/** One non-blocking `recv` or `send` over a range of a buffer, after the checks both make. */
function transferRange(
  syscall: 'recv' | 'send',
  ...[fd, buffer, offset = 0, length = buffer.length - offset]: BufferRange
): number | null {
  checkFd(fd);
  checkRange(buffer, offset, length);
  const libc = getLibc();
  const range = buffer.subarray(offset, offset + length);
  return transferred(
    retryInterrupted(() =>
      syscall === 'recv'
        ? libc.recv(fd, range, length, 0)
        : libc.send(fd, range, length, C.MSG_NOSIGNAL),
    ),
    syscall,
  );
}

/** Reads into `buffer`: bytes read, 0 at end of stream, `null` when nothing is ready. */
export function readInto(...range: BufferRange): number | null {
  return transferRange('recv', ...range);
}

/** Writes from `buffer` (never raising SIGPIPE): bytes written, or `null` when the send buffer is full. */
export function writeFrom(...range: BufferRange): number | null {
  return transferRange('send', ...range);
}

// struct msghdr and struct iovec on LP64 Linux (checked against <sys/socket.h> by gcc in the tests).
/** `struct msghdr` on LP64 Linux: size and member offsets. */
export const msghdrLayout = {
  size: 56,
  name: 0,
  namelen: 8,
  iov: 16,
  iovlen: 24,
  control: 32,
  controllen: 40,
  flags: 48,
} as const;
/** `struct iovec` on LP64 Linux: size and member offsets. */
export const iovecLayout = { size: 16, base: 0, length: 8 } as const;

function messageHeader(data: Buffer, name?: Buffer) {
  const iov = Buffer.alloc(iovecLayout.size);
  iov.writeBigUInt64LE(data.length > 0 ? koffi().address(data) : 0n, iovecLayout.base);
  iov.writeBigUInt64LE(BigInt(data.length), iovecLayout.length);
  const header = Buffer.alloc(msghdrLayout.size);
  if (name) {
    header.writeBigUInt64LE(koffi().address(name), msghdrLayout.name);
    header.writeUInt32LE(name.length, msghdrLayout.namelen);
  }
  header.writeBigUInt64LE(koffi().address(iov), msghdrLayout.iov);
  header.writeBigUInt64LE(1n, msghdrLayout.iovlen);
  // `iov` must stay reachable until the call returns: the caller keeps this object.
  return { header, iov };
}

/** Options of {@link sendMessage}. */
export interface SendMessageOptions {
  /** Set MSG_EOR (end of record) on the message. */
  readonly endOfRecord?: boolean;
}

/**
 * Sends one message on a seqpacket socket without waiting: bytes sent, or `null` when it would
 * block.
 *
 * Beware: when the peer's credit runs out in the middle of the message, Linux (6.1 and 6.12
 * measured) has already queued the first part — without the end-of-message mark — and still
 * reports EAGAIN (`null`), not how much went out. Resending the message then makes the receiver
 * see one merged message. Use this only when the message is known to fit, or a lost message is
 * acceptable; {@link sendWholeMessage} sends any message whole.
 */
export function sendMessage(
  fd: number,
  data: Buffer,
  options: SendMessageOptions = {},
): number | null {
  checkFd(fd);
  const libc = getLibc();
  const message = messageHeader(data);
  const flags = C.MSG_NOSIGNAL | C.MSG_DONTWAIT | (options.endOfRecord ? C.MSG_EOR : 0);
  return transferred(
    retryInterrupted(() => libc.sendmsg(fd, message.header, flags)),
    'sendmsg',
  );
}

/**
 * Sends one seqpacket message whole, however long the peer takes to make room: a blocking
 * `sendmsg` on a libuv threadpool thread, so the kernel itself waits for credit between the parts
 * of the message (a non-blocking send cannot do this, see {@link sendMessage}). The descriptor
 * must be in blocking mode ({@link setBlocking}); the event loop never blocks. Resolves with the
 * message's length; rejects with the typed error — `EPIPE` when `shutdownSocket(fd, 'both')`
 * woke a send that was waiting for a peer that stopped reading.
 *
 * One send at a time per descriptor: concurrent blocking sends may interleave their parts. While
 * it waits, the send holds one threadpool thread (`UV_THREADPOOL_SIZE`, default 4).
 */
export function sendWholeMessage(
  fd: number,
  data: Buffer,
  options: SendMessageOptions = {},
): Promise<number> {
  checkFd(fd);
  const libc = getLibc();
  // The header, the iovec and the data it points at must stay reachable until the call returns
  // (koffi's async calls do not keep them): the callback's closure holds them.
  const message = messageHeader(data);
  const flags = C.MSG_NOSIGNAL | (options.endOfRecord ? C.MSG_EOR : 0);
  const keepAlive = [message, data];
  return new Promise((resolve, reject) => {
    libc.sendmsgAsync(fd, message.header, flags, (error, result) => {
      keepAlive.length = 0;
      if (error) {
        reject(error);
        return;
      }
      if (result >= 0) {
        resolve(result);
        return;
      }
      // koffi restores the call's errno for this callback.
      reject(errnoError('sendmsg', libc.errno(), { socketType: 'seqpacket' }));
    });
  });
}

/**
 * Clears (or sets) O_NONBLOCK on a descriptor. Calls of this module that must not wait pass
 * MSG_DONTWAIT themselves, so a blocking descriptor is fine for them.
 */
export function setBlocking(fd: number, blocking: boolean): void {
  checkFd(fd);
  const libc = getLibc();
  const statusFlags = libc.fcntl(fd, C.F_GETFL, 0);
  if (statusFlags < 0) throw errnoError('fcntl', libc.errno());
  const wanted = blocking ? statusFlags & ~C.O_NONBLOCK : statusFlags | C.O_NONBLOCK;
  if (wanted !== statusFlags && libc.fcntl(fd, C.F_SETFL, wanted) < 0)
    throw errnoError('fcntl', libc.errno());
}

/** One SEQPACKET message as {@link receiveMessage} read it. */
export interface ReceivedMessage {
  /** Bytes stored in the buffer. */
  readonly bytes: number;
  /** The whole message's length (larger than `bytes` when truncated). */
  readonly length: number;
  /** The message was longer than the buffer; the rest is gone (MSG_TRUNC). */
  readonly truncated: boolean;
  /** The sender set MSG_EOR. */
  readonly endOfRecord: boolean;
}

/** Receives one message from a seqpacket socket, or `null` when none is ready. `bytes` 0 with `length` 0 means end of stream. */
export function receiveMessage(fd: number, buffer: Buffer): ReceivedMessage | null {
  checkFd(fd);
  const libc = getLibc();
  const message = messageHeader(buffer);
  // MSG_TRUNC in the call's flags makes the kernel return the real length of a longer message.
  const n = transferred(
    retryInterrupted(() => libc.recvmsg(fd, message.header, C.MSG_TRUNC | C.MSG_DONTWAIT)),
    'recvmsg',
  );
  if (n === null) return null;
  const flags = message.header.readInt32LE(msghdrLayout.flags);
  return {
    bytes: Math.min(n, buffer.length),
    length: n,
    truncated: (flags & C.MSG_TRUNC) !== 0,
    endOfRecord: (flags & C.MSG_EOR) !== 0,
  };
}

/** Sends a datagram: bytes sent, or `null` when it would block. */
export function sendDatagram(fd: number, data: Buffer, address: SockaddrVm): number | null {
  checkFd(fd);
  const libc = getLibc();
  const encoded = encodeSockaddrVm(address);
  return transferred(
    libc.sendto(fd, data, data.length, C.MSG_NOSIGNAL, encoded, encoded.length),
    'sendto',
    { address, socketType: 'dgram' },
  );
}

/** Receives a datagram with its sender, or `null` when none is ready. */
export function receiveDatagram(
  fd: number,
  buffer: Buffer,
): { bytes: number; length: number; truncated: boolean; address: SockaddrVm } | null {
  checkFd(fd);
  const libc = getLibc();
  const { address, length, decode } = sockaddrOut();
  const n = transferred(
    libc.recvfrom(fd, buffer, buffer.length, C.MSG_TRUNC, address, length),
    'recvfrom',
    { socketType: 'dgram' },
  );
  if (n === null) return null;
  return {
    bytes: Math.min(n, buffer.length),
    length: n,
    truncated: n > buffer.length,
    address: decode(),
  };
}

/** Whether a descriptor has close-on-exec and non-blocking set (for tests and diagnostics). */
export function descriptorFlags(fd: number): { closeOnExec: boolean; nonBlocking: boolean } {
  checkFd(fd);
  const libc = getLibc();
  const fdFlags = libc.fcntl(fd, C.F_GETFD, 0);
  if (fdFlags < 0) throw errnoError('fcntl', libc.errno());
  const statusFlags = libc.fcntl(fd, C.F_GETFL, 0);
  if (statusFlags < 0) throw errnoError('fcntl', libc.errno());
  return {
    closeOnExec: (fdFlags & C.FD_CLOEXEC) !== 0,
    nonBlocking: (statusFlags & C.O_NONBLOCK) !== 0,
  };
}

/**
 * Takes over a listening socket that another process opened — systemd socket activation
 * (`ListenStream=vsock::PORT`) or an inherited descriptor: checks that it is a listening AF_VSOCK
 * socket of `type`, then makes it non-blocking and close-on-exec, as our own sockets are.
 * Throws `ERR_VMCI_INVALID_DESCRIPTOR` (saying what the descriptor is instead) otherwise.
 */
export function adoptListeningSocket(fd: number, type: SocketType): void {
  checkFd(fd);
  const invalid = (what: string) =>
    new VmciError(
      'ERR_VMCI_INVALID_DESCRIPTOR',
      `descriptor ${fd} ${what}; pass a listening AF_VSOCK ${type} socket (e.g. systemd ListenStream=vsock::PORT)`,
    );
  let domain: number;
  try {
    domain = intOption(fd, C.SO_DOMAIN);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'EBADF') throw invalid('is not open');
    if (code === 'ENOTSOCK') throw invalid('is not a socket');
    throw error;
  }
  if (domain !== C.AF_VSOCK)
    throw invalid(`is a socket of address family ${domain}, not AF_VSOCK (${C.AF_VSOCK})`);
  const actualType = intOption(fd, C.SO_TYPE);
  if (actualType !== socketTypeNumbers[type])
    throw invalid(`is a socket of type ${actualType}, not ${type} (${socketTypeNumbers[type]})`);
  if (intOption(fd, C.SO_ACCEPTCONN) !== 1) throw invalid('is not listening');
  const libc = getLibc();
  const statusFlags = libc.fcntl(fd, C.F_GETFL, 0);
  if (statusFlags < 0 || libc.fcntl(fd, C.F_SETFL, statusFlags | C.O_NONBLOCK) < 0)
    throw errnoError('fcntl', libc.errno());
  const fdFlags = libc.fcntl(fd, C.F_GETFD, 0);
  if (fdFlags < 0 || libc.fcntl(fd, C.F_SETFD, fdFlags | C.FD_CLOEXEC) < 0)
    throw errnoError('fcntl', libc.errno());
}

/** SIOCOUTQ (= TIOCOUTQ, 0x5411): bytes of a socket's sent data still queued on this side. */
export const SIOCOUTQ = 0x5411;

/**
 * How many bytes written to a connected vsock socket have not yet been handed to the peer
 * (`ioctl(SIOCOUTQ)`: for virtio/loopback, not yet taken by the device, i.e. not yet in the
 * peer's receive queue; 0 means the peer's kernel has everything — not that its application
 * read it). Linux answers it for vsock since 6.12; older kernels fail with EOPNOTSUPP, which this
 * reports as `ERR_VMCI_UNSUPPORTED`.
 */
export function unsentBytes(fd: number): number {
  checkFd(fd);
  const libc = getLibc();
  const out = [0];
  if (libc.ioctlOutU32(fd, SIOCOUTQ, out) < 0) {
    const errno = libc.errno();
    const name = errnoName(errno);
    if (name === 'EOPNOTSUPP' || name === 'ENOTSUP' || name === 'ENOTTY' || name === 'EINVAL') {
      throw new VmciError(
        'ERR_VMCI_UNSUPPORTED',
        `this kernel (${release()}) cannot tell whether the peer has received everything: vsock answers SIOCOUTQ only from Linux 6.12 on (${name})`,
        { syscall: 'ioctl', errno },
      );
    }
    throw errnoError('ioctl', errno);
  }
  return out[0] as number;
}
