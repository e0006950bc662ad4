/**
 * Mounting a share with the Linux kernel's own 9p client: connect a vsock stream, hand the
 * connected descriptor to mount(2) as `trans=fd,rfdno=N,wfdno=N` — the kernel takes its own
 * reference to the file, so the mount outlives this process — and close ours. Needs root
 * (CAP_SYS_ADMIN) and the kernel's 9p modules (`9p`, `9pnet`, and `9pnet_fd` from Linux 6.2).
 */
import { createRequire } from 'node:module';
import { closeSocket, connectSocket, createSocket, errnoError, VmciError } from '@vmci/ffi';

/** Options of {@link mountShare}. */
export interface MountShareOptions {
  /** The server's CID (1 for the same machine over vsock loopback, 2 for the host). */
  readonly cid: number;
  readonly port: number;
  /** An existing directory to mount on. */
  readonly mountpoint: string;
  /** Mount read-only (MS_RDONLY). */
  readonly readOnly?: boolean;
  /** msize to ask the server for (default 512 KiB; the kernel's fd transport allows up to 1 MiB). */
  readonly messageSize?: number;
  /** Extra 9p mount options (`cache=loose`, `access=client`, …), comma-separated. */
  readonly extraOptions?: string;
  readonly signal?: AbortSignal;
}

/** mount(2) flags. */
const MS_RDONLY = 1;
const MS_NOSUID = 2;
const MS_NODEV = 4;

type MountFn = (
  source: string,
  target: string,
  fstype: string,
  flags: number,
  data: string,
) => number;

let mountFn: { call: MountFn; errno: () => number } | undefined;

function libcMount(): { call: MountFn; errno: () => number } {
  if (mountFn) return mountFn;
  if (process.platform !== 'linux')
    throw new VmciError(
      'ERR_VMCI_UNSUPPORTED_PLATFORM',
      `mounting a share needs Linux's 9p client; this is ${process.platform}`,
    );
  const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi').default;
  const lib = koffi.load('libc.so.6');
  mountFn = {
    call: lib.func(
      'int mount(const char *source, const char *target, const char *fstype, unsigned long flags, const char *data)',
    ) as unknown as MountFn,
    errno: () => koffi.errno(),
  };
  return mountFn;
}

/** The mount options string for a connected descriptor. */
export function mountOptions(fd: number, messageSize: number, extra?: string): string {
  const options = [
    `trans=fd`,
    `rfdno=${fd}`,
    `wfdno=${fd}`,
    'version=9p2000.L',
    `msize=${messageSize}`,
  ];
  if (extra) options.push(extra);
  return options.join(',');
}

/**
 * Connects to the share at `cid:port` and mounts it on `mountpoint` (nosuid, nodev). Resolves
 * once the kernel has attached (mount(2) returns after its Tversion and Tattach). Fails with the
 * connect's error (`ECONNRESET` when nobody listens) or mount's (`EPERM` without root, `ENODEV`
 * without the 9p modules, `EACCES` when the server's allowlist refuses this CID).
 */
export async function mountShare(options: MountShareOptions): Promise<void> {
  const { mount, errno } = { mount: libcMount().call, errno: libcMount().errno };
  const messageSize = options.messageSize ?? 512 * 1024;
  const fd = createSocket('stream');
  try {
    await connectSocket(
      fd,
      { cid: options.cid, port: options.port },
      options.signal ? { signal: options.signal } : {},
    );
    const flags = MS_NOSUID | MS_NODEV | (options.readOnly ? MS_RDONLY : 0);
    const source = `vsock:${options.cid}:${options.port}`;
    const data = mountOptions(fd, messageSize, options.extraOptions);
    if (mount(source, options.mountpoint, '9p', flags, data) < 0) {
      const error = errnoError('mount', errno());
      throw new VmciError(
        error.code,
        `${error.message} (mount -t 9p ${source} ${options.mountpoint} -o ${data}: needs root and the 9p, 9pnet and — from Linux 6.2 — 9pnet_fd modules; the server may also have refused this CID)`,
        {
          syscall: 'mount',
          ...(error.errno === undefined ? {} : { errno: error.errno }),
          cause: error,
        },
      );
    }
  } finally {
    // The kernel holds its own reference to the connection now (or the mount failed).
    closeSocket(fd);
  }
}
