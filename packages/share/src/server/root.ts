/**
 * The shared directory, reachable only beneath its root. Every file the server touches is reached
 * from a descriptor it already holds, one component at a time, with `O_PATH | O_NOFOLLOW` — a
 * symlink is never followed server-side, `..` is never passed to the kernel, and a component that
 * another process swaps for a link after a check is opened as the link itself (and refused), not
 * followed. Lookups are openat(2) on the held directory descriptor (through koffi: Node has no
 * openat); other operations on a held descriptor go through `/proc/self/fd/<fd>`, which names the
 * object the descriptor holds, not a path that can be changed under it. Linux only.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { errnoName } from '@vmci/ffi';
import { VmciError } from '@vmci/sockets';

/** Linux's O_PATH (Node's `fs.constants` does not export it). */
const O_PATH = 0o10000000;
const { O_NOFOLLOW, O_DIRECTORY } = fs.constants;
const O_CLOEXEC = 0o2000000;

/** The longest name one component may have (Linux's NAME_MAX). */
export const nameMax = 255;

/** Errors the server answers with Rlerror: a Linux errno name. */
export class FsError extends Error {
  constructor(
    readonly errnoName: string,
    message?: string,
  ) {
    super(message ?? errnoName);
  }
}

/** A directory-entry name a client may use: not empty, not `.`/`..`, no `/` or NUL, ≤ 255 bytes. */
export function checkName(name: string): void {
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0'))
    throw new FsError('EINVAL', `invalid name ${JSON.stringify(name)}`);
  if (Buffer.byteLength(name) > nameMax) throw new FsError('ENAMETOOLONG');
}

/** `/proc/self/fd/<fd>[/<name>]`: the object a descriptor holds (and a name inside it). */
export function procPath(fd: number, name?: string): string {
  return name === undefined ? `/proc/self/fd/${fd}` : `/proc/self/fd/${fd}/${name}`;
}

/** fcntl(2)'s F_DUPFD_CLOEXEC. */
const F_DUPFD_CLOEXEC = 1030;

interface Calls {
  openat(dirFd: number, name: string, flags: number): number;
  fcntl(fd: number, command: number, argument: number): number;
  errno(): number;
}

let calls: Calls | undefined;

/**
 * openat(2) and fcntl(2) from libc. A lookup used to open `/proc/self/fd/<dir>/<name>`, which
 * makes the kernel walk procfs first; in the nested VM that was most of a Twalk's time.
 */
function libc(): Calls {
  if (calls) return calls;
  const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi').default;
  const lib = koffi.load('libc.so.6');
  // O_PATH never creates, so openat's variadic mode is never read: three fixed arguments.
  const openat = lib.func('int openat(int dirfd, const char *path, int flags)');
  const fcntl = lib.func('int fcntl(int fd, int cmd, int arg)');
  calls = {
    openat: (dirFd, name, flags) => openat(dirFd, name, flags) as number,
    fcntl: (fd, command, argument) => fcntl(fd, command, argument) as number,
    errno: () => koffi.errno(),
  };
  return calls;
}

/** The error a failed libc call leaves: a Node-style `code` (the errno name) the server maps. */
function callFailed(syscall: string, errno: number): NodeJS.ErrnoException {
  const code = errnoName(errno);
  return Object.assign(new Error(`${syscall}: ${code}`), { code, errno: -errno, syscall });
}

/** Opens `name` inside the directory `dirFd` as an O_PATH descriptor, never following a link. */
export function openBeneath(dirFd: number, name: string, directory = false): number {
  checkName(name);
  const { openat, errno } = libc();
  const fd = openat(dirFd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC | (directory ? O_DIRECTORY : 0));
  if (fd < 0) throw callFailed('openat', errno());
  return fd;
}

/** A second descriptor for what `fd` holds (close-on-exec), for a caller that closes its own. */
export function duplicate(fd: number): number {
  const { fcntl, errno } = libc();
  const copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) throw callFailed('fcntl', errno());
  return copy;
}

/** The shared directory: its O_PATH descriptor and path resolution beneath it. */
export class ShareRoot {
  readonly fd: number;
  /** The root's file system (`st_dev`): a walk onto another one is a mount point. */
  readonly device: bigint;

  constructor(readonly path: string) {
    if (process.platform !== 'linux')
      throw new VmciError(
        'ERR_VMCI_UNSUPPORTED_PLATFORM',
        `sharing a directory needs Linux (it resolves paths through /proc/self/fd); this is ${process.platform}`,
      );
    try {
      this.fd = fs.openSync(fs.realpathSync(path), O_PATH | O_DIRECTORY | O_CLOEXEC);
      fs.statSync(procPath(this.fd));
      this.device = fs.fstatSync(this.fd, { bigint: true }).dev;
    } catch (cause) {
      throw new VmciError(
        'ERR_VMCI_SHARE_ROOT',
        `cannot share ${path}: ${(cause as Error).message}. Give an existing directory (and a mounted /proc)`,
        { cause },
      );
    }
  }

  /**
   * An O_PATH descriptor for `components` (names beneath the root; none = the root itself), walked
   * one at a time from the root with O_NOFOLLOW: every directory on the way must be a real
   * directory, never a link. The caller closes it.
   */
  resolve(components: readonly string[]): number {
    let fd = duplicate(this.fd);
    try {
      components.forEach((name, index) => {
        const next = openBeneath(fd, name, index < components.length - 1);
        fs.closeSync(fd);
        fd = next;
      });
      return fd;
    } catch (error) {
      fs.closeSync(fd);
      throw error;
    }
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}
