/**
 * Readiness through libuv (`koffi.node.poll`, a `uv_poll_t`) without a thread. koffi aborts the
 * process for a second handle on one descriptor, so this module owns a registry: one handle per fd,
 * closed before the fd is.
 */

import { VmciError } from './errors.js';
import { koffi } from './koffi.js';

export interface Readiness {
  readonly readable: boolean;
  readonly writable: boolean;
  readonly disconnect: boolean;
}

export interface PollInterest {
  readonly readable?: boolean;
  readonly writable?: boolean;
  readonly disconnect?: boolean;
}

type PollHandle = ReturnType<ReturnType<typeof koffi>['node']['poll']>;

const active = new Set<number>();

/** Descriptors that currently have a poll handle (for leak checks). */
export function polledDescriptors(): readonly number[] {
  return [...active];
}

/** One libuv poll handle on one descriptor. */
export class FdPoller {
  readonly fd: number;
  private handle: PollHandle | undefined;
  private closed = false;

  constructor(fd: number) {
    if (active.has(fd)) {
      throw new VmciError(
        'ERR_VMCI_POLL_BUSY',
        `descriptor ${fd} already has a poll handle: close that one first (a second would abort the process)`,
      );
    }
    this.fd = fd;
    active.add(fd);
  }

  /**
   * Calls `onReady` (from a fresh macrotask, so promises and nextTicks queued in it run) whenever
   * the descriptor is ready for one of `interest`. Calling again changes the interest.
   */
  start(interest: PollInterest, onReady: (ready: Readiness) => void): void {
    if (this.closed)
      throw new VmciError(
        'ERR_VMCI_SOCKET_CLOSED',
        `the poll handle of descriptor ${this.fd} is closed`,
      );
    const callback = (events: Readiness) => {
      // koffi runs this outside Node's callback scope: trampoline into a normal macrotask.
      setImmediate(() => {
        if (!this.closed) onReady(events);
      });
    };
    if (this.handle) this.handle.start(interest, callback);
    else this.handle = koffi().node.poll(this.fd, interest, callback);
  }

  stop(): void {
    this.handle?.stop();
  }

  ref(): void {
    this.handle?.ref();
  }

  unref(): void {
    this.handle?.unref();
  }

  /** Closes the handle; required before closing the descriptor. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.handle?.close();
    this.handle = undefined;
    active.delete(this.fd);
  }
}

/** Resolves once `fd` is ready for `interest`; the handle is closed before resolving. */
export function waitFor(
  fd: number,
  interest: PollInterest,
  signal?: AbortSignal,
): Promise<Readiness> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const poller = new FdPoller(fd);
    const onAbort = () => {
      poller.close();
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    poller.start(interest, (ready) => {
      signal?.removeEventListener('abort', onAbort);
      poller.close();
      resolve(ready);
    });
  });
}
