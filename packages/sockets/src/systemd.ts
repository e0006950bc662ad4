/**
 * systemd socket activation: the listening sockets systemd passed to this process
 * (`sd_listen_fds(3)`), to serve with `server.listen({ fd })`. A unit such as
 *
 *   [Socket]
 *   ListenStream=vsock::5000
 *
 * starts the service on the first connection with the socket as descriptor 3.
 */
import { VmciError } from '@vmci/ffi';

/** The first descriptor systemd passes (SD_LISTEN_FDS_START). */
export const SD_LISTEN_FDS_START = 3;

/** One socket systemd passed (socket activation). */
export interface ListenFd {
  readonly fd: number;
  /** The socket's `FileDescriptorName=` (systemd's default is the socket unit's name). */
  readonly name: string | undefined;
}

/** Options of {@link systemdListenFds} (where to read the environment, and which pid to expect). */
export interface SystemdListenFdsOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly pid?: number;
  /**
   * Remove LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES afterwards, so child processes do not take
   * the sockets for theirs (default true, as `sd_listen_fds(1)`).
   */
  readonly unsetEnvironment?: boolean;
}

/**
 * The descriptors systemd passed, in order; empty when the process was not socket-activated (or
 * the variables are meant for another process: LISTEN_PID differs).
 */
export function systemdListenFds(options: SystemdListenFdsOptions = {}): ListenFd[] {
  const env = options.env ?? process.env;
  const pid = options.pid ?? process.pid;
  const { LISTEN_PID: listenPid, LISTEN_FDS: listenFds, LISTEN_FDNAMES: names } = env;
  try {
    if (listenPid === undefined || listenFds === undefined) return [];
    if (!/^[1-9]\d*$/.test(listenPid))
      throw new VmciError(
        'ERR_VMCI_INVALID_ARGUMENT',
        `LISTEN_PID must be a process id, got '${listenPid}'`,
      );
    if (Number(listenPid) !== pid) return [];
    if (!/^\d+$/.test(listenFds))
      throw new VmciError(
        'ERR_VMCI_INVALID_ARGUMENT',
        `LISTEN_FDS must be a count of descriptors, got '${listenFds}'`,
      );
    const nameList = names?.split(':');
    return Array.from({ length: Number(listenFds) }, (_, i) => ({
      fd: SD_LISTEN_FDS_START + i,
      name: nameList?.[i] || undefined,
    }));
  } finally {
    if (options.unsetEnvironment ?? true) {
      delete env.LISTEN_PID;
      delete env.LISTEN_FDS;
      delete env.LISTEN_FDNAMES;
    }
  }
}
