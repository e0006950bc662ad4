/**
 * 9P2000.L numbers: message ids, qid types, the errno values Rlerror carries (Linux's), and the
 * bit masks of getattr/setattr/lock, as the Linux kernel's `include/net/9p/9p.h` defines them.
 */

/** The protocol version this package speaks (`Tversion`'s string). */
export const protocolVersion = '9P2000.L';

/** Size of a message header: size[4] type[1] tag[2]. */
export const headerSize = 7;

/** The tag of `Tversion` (no other message may use it). */
export const NOTAG = 0xffff;

/** "No fid" (`Tattach`'s afid when there is no authentication). */
export const NOFID = 0xffffffff;

/** The most names one `Twalk` may carry (the kernel's `P9_MAXWELEM`). */
export const maxWalkNames = 16;

/** Qid types: the high byte of a file's mode, as 9P reports it. */
export const QidType = {
  DIR: 0x80,
  APPEND: 0x40,
  EXCL: 0x20,
  MOUNT: 0x10,
  AUTH: 0x08,
  TMP: 0x04,
  SYMLINK: 0x02,
  LINK: 0x01,
  FILE: 0x00,
} as const;

/** `Tgetattr`'s request mask and `Rgetattr`'s valid mask. */
export const GetattrMask = {
  MODE: 0x1n,
  NLINK: 0x2n,
  UID: 0x4n,
  GID: 0x8n,
  RDEV: 0x10n,
  ATIME: 0x20n,
  MTIME: 0x40n,
  CTIME: 0x80n,
  INO: 0x100n,
  SIZE: 0x200n,
  BLOCKS: 0x400n,
  BTIME: 0x800n,
  GEN: 0x1000n,
  DATA_VERSION: 0x2000n,
  /** Everything `stat(2)` gives (MODE … BLOCKS). */
  BASIC: 0x7ffn,
  ALL: 0x3fffn,
} as const;

/** `Tsetattr`'s valid mask. */
export const SetattrMask = {
  MODE: 0x1,
  UID: 0x2,
  GID: 0x4,
  SIZE: 0x8,
  ATIME: 0x10,
  MTIME: 0x20,
  CTIME: 0x40,
  /** The atime given (otherwise: now). */
  ATIME_SET: 0x80,
  /** The mtime given (otherwise: now). */
  MTIME_SET: 0x100,
} as const;

/** `Tlock` / `Tgetlock` lock types. */
export const LockType = { RDLCK: 0, WRLCK: 1, UNLCK: 2 } as const;
/** `Rlock` statuses. */
export const LockStatus = { SUCCESS: 0, BLOCKED: 1, ERROR: 2, GRACE: 3 } as const;

/** `Tunlinkat`'s flag for removing a directory (Linux's AT_REMOVEDIR). */
export const AT_REMOVEDIR = 0x200;

/** Linux open(2) flags as 9P2000.L carries them (`Tlopen` / `Tlcreate`). */
export const OpenFlags = {
  RDONLY: 0o0,
  WRONLY: 0o1,
  RDWR: 0o2,
  ACCMODE: 0o3,
  CREAT: 0o100,
  EXCL: 0o200,
  NOCTTY: 0o400,
  TRUNC: 0o1000,
  APPEND: 0o2000,
  NONBLOCK: 0o4000,
  DSYNC: 0o10000,
  DIRECTORY: 0o200000,
  NOFOLLOW: 0o400000,
  SYNC: 0o4010000,
} as const;

/** Linux errno values (Rlerror's ecode is the Linux number whatever the server's OS). */
export const Errno = {
  EPERM: 1,
  ENOENT: 2,
  EIO: 5,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EEXIST: 17,
  EXDEV: 18,
  ENOTDIR: 20,
  EISDIR: 21,
  EINVAL: 22,
  EFBIG: 27,
  ENOSPC: 28,
  EROFS: 30,
  EMLINK: 31,
  ERANGE: 34,
  ENAMETOOLONG: 36,
  ENOSYS: 38,
  ENOTEMPTY: 39,
  ELOOP: 40,
  ENODATA: 61,
  EPROTO: 71,
  EBADMSG: 74,
  EOVERFLOW: 75,
  EILSEQ: 84,
  EOPNOTSUPP: 95,
  ESTALE: 116,
  EDQUOT: 122,
} as const;

/** Errno name for a Linux errno value (`ERRNO_<n>` when unknown here). */
export function errnoNameOf(value: number): string {
  for (const [name, number] of Object.entries(Errno)) if (number === value) return name;
  return `ERRNO_${value}`;
}
