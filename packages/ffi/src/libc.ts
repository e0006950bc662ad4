/**
 * koffi bindings to the libc calls vsock needs, loaded on first use. Pointers to caller memory are
 * passed as Buffers (`void *`); koffi calls are synchronous, so the Buffers outlive each call.
 */
import { koffi } from './koffi.js';
import { assertSupported } from './platform.js';

type Fn = (...args: unknown[]) => number;

export interface Libc {
  socket(domain: number, type: number, protocol: number): number;
  bind(fd: number, addr: Buffer, length: number): number;
  listen(fd: number, backlog: number): number;
  accept4(fd: number, addr: Buffer | null, length: Buffer | null, flags: number): number;
  connect(fd: number, addr: Buffer, length: number): number;
  getsockname(fd: number, addr: Buffer, length: Buffer): number;
  getpeername(fd: number, addr: Buffer, length: Buffer): number;
  getsockopt(fd: number, level: number, name: number, value: Buffer, length: Buffer): number;
  setsockopt(fd: number, level: number, name: number, value: Buffer, length: number): number;
  shutdown(fd: number, how: number): number;
  close(fd: number): number;
  read(fd: number, buffer: Buffer, length: number): number;
  write(fd: number, buffer: Buffer, length: number): number;
  recv(fd: number, buffer: Buffer, length: number, flags: number): number;
  send(fd: number, buffer: Buffer, length: number, flags: number): number;
  recvmsg(fd: number, message: Buffer, flags: number): number;
  sendmsg(fd: number, message: Buffer, flags: number): number;
  /**
   * `sendmsg` on a libuv threadpool thread (koffi's async call): for a blocking send that must not
   * block the event loop. `errno` is the call's own inside the callback.
   */
  sendmsgAsync(
    fd: number,
    message: Buffer,
    flags: number,
    callback: (error: unknown, result: number) => void,
  ): void;
  recvfrom(
    fd: number,
    buffer: Buffer,
    length: number,
    flags: number,
    addr: Buffer,
    addrLength: Buffer,
  ): number;
  sendto(
    fd: number,
    buffer: Buffer,
    length: number,
    flags: number,
    addr: Buffer,
    addrLength: number,
  ): number;
  /** `ioctl(fd, request, &out)` for requests that write one 32-bit value. */
  ioctlOutU32(fd: number, request: number, out: number[]): number;
  open(path: string, flags: number): number;
  fcntl(fd: number, command: number, argument: number): number;
  /** errno of the last call on this thread: read it right after the call. */
  errno(): number;
}

let libc: Libc | undefined;

/** The bindings; throws `ERR_VMCI_UNSUPPORTED_PLATFORM` where they cannot exist. */
export function getLibc(): Libc {
  if (libc) return libc;
  assertSupported();
  const lib = koffi().load('libc.so.6');
  const fn = (prototype: string) => lib.func(prototype) as unknown as Fn;
  const bound = {
    socket: fn('int socket(int domain, int type, int protocol)'),
    bind: fn('int bind(int fd, const void *addr, uint32_t len)'),
    listen: fn('int listen(int fd, int backlog)'),
    accept4: fn('int accept4(int fd, void *addr, void *len, int flags)'),
    connect: fn('int connect(int fd, const void *addr, uint32_t len)'),
    getsockname: fn('int getsockname(int fd, void *addr, void *len)'),
    getpeername: fn('int getpeername(int fd, void *addr, void *len)'),
    getsockopt: fn('int getsockopt(int fd, int level, int name, void *value, void *len)'),
    setsockopt: fn('int setsockopt(int fd, int level, int name, const void *value, uint32_t len)'),
    shutdown: fn('int shutdown(int fd, int how)'),
    close: fn('int close(int fd)'),
    read: fn('intptr_t read(int fd, void *buf, size_t count)'),
    write: fn('intptr_t write(int fd, const void *buf, size_t count)'),
    recv: fn('intptr_t recv(int fd, void *buf, size_t len, int flags)'),
    send: fn('intptr_t send(int fd, const void *buf, size_t len, int flags)'),
    recvmsg: fn('intptr_t recvmsg(int fd, void *msg, int flags)'),
    sendmsg: fn('intptr_t sendmsg(int fd, const void *msg, int flags)'),
    recvfrom: fn(
      'intptr_t recvfrom(int fd, void *buf, size_t len, int flags, void *addr, void *addrlen)',
    ),
    sendto: fn(
      'intptr_t sendto(int fd, const void *buf, size_t len, int flags, const void *addr, uint32_t addrlen)',
    ),
    // ioctl is variadic; an explicit out-pointer parameter is what makes the result come back.
    ioctlOutU32: fn('int ioctl(int fd, unsigned long request, _Out_ uint32_t *out)'),
    open: fn('int open(const char *path, int flags)'),
    fcntl: fn('int fcntl(int fd, int cmd, int arg)'),
  };
  const sendmsg = bound.sendmsg as unknown as {
    async(...args: [number, Buffer, number, (error: unknown, result: number) => void]): void;
  };
  libc = {
    ...(bound as unknown as Omit<Libc, 'errno' | 'sendmsgAsync'>),
    sendmsgAsync: (fd, message, flags, callback) => sendmsg.async(fd, message, flags, callback),
    errno: () => koffi().errno(),
  };
  return libc;
}
