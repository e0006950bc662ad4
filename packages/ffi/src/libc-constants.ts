/**
 * The libc constants the vsock calls need. Linux uses the asm-generic values on both x86-64 and
 * arm64; `test/libc-constants.test.ts` compiles them against the real headers with gcc.
 */
export const libcConstants = {
  AF_VSOCK: 40,
  SOCK_STREAM: 1,
  SOCK_DGRAM: 2,
  SOCK_SEQPACKET: 5,
  SOCK_NONBLOCK: 0o4000,
  SOCK_CLOEXEC: 0o2000000,
  SOL_SOCKET: 1,
  SO_TYPE: 3,
  SO_ERROR: 4,
  SO_SNDBUF: 7,
  SO_RCVBUF: 8,
  SO_ACCEPTCONN: 30,
  SO_DOMAIN: 39,
  MSG_PEEK: 0x2,
  MSG_TRUNC: 0x20,
  MSG_DONTWAIT: 0x40,
  MSG_EOR: 0x80,
  MSG_NOSIGNAL: 0x4000,
  SHUT_RD: 0,
  SHUT_WR: 1,
  SHUT_RDWR: 2,
  O_RDWR: 0o2,
  O_CLOEXEC: 0o2000000,
  O_NONBLOCK: 0o4000,
  F_GETFD: 1,
  F_SETFD: 2,
  F_GETFL: 3,
  F_SETFL: 4,
  FD_CLOEXEC: 1,
} as const;

/** Socket types by name, as the API spells them. */
export type SocketType = 'stream' | 'dgram' | 'seqpacket';

export const socketTypeNumbers: Readonly<Record<SocketType, number>> = {
  stream: libcConstants.SOCK_STREAM,
  dgram: libcConstants.SOCK_DGRAM,
  seqpacket: libcConstants.SOCK_SEQPACKET,
};
