/**
 * Readiness through libuv (`koffi.node.poll`, a `uv_poll_t`) without a thread. koffi aborts the
 * process for a second handle on one descriptor, so this module owns the one registry of them: one
 * {@link FdPoller} per fd — either a channel's own or the one `waitFor` shares among its waits —
 * closed before the fd is (`closeSocket` calls {@link releasePoll}). A descriptor changes hands
 * with no handle (`connectSocket` releases its wait handle when it returns, so a connected
 * descriptor goes to libuv's own stream with nothing on it), or with its handle taken over
 * ({@link takePoll}: a channel keeps the handle the connect waited on instead of making another).
 */

import { VmciError } from './errors.js';
import { koffi } from './koffi.js';

/** What libuv reported ready for a descriptor. */
export interface Readiness {
  readonly readable: boolean;
  readonly writable: boolean;
  readonly disconnect: boolean;
  /** A negative libuv error from the poll itself; the next syscall on the fd reports the cause. */
  readonly error?: number;
}

/** What a wait is for: any of readable, writable, and the peer's hang-up (`disconnect`). */
export interface PollInterest {
  readonly readable?: boolean;
  readonly writable?: boolean;
  readonly disconnect?: boolean;
}

type PollHandle = ReturnType<ReturnType<typeof koffi>['node']['poll']>;

/** The registry: the one poll handle of each descriptor that has one. */
const active = new Map<number, FdPoller>();

/** Descriptors that currently have a poll handle (for leak checks). */
export function polledDescriptors(): readonly number[] {
  return [...active.keys()];
}

/**
 * Closes whatever poll handle `fd` has (and fails its pending waits): `closeSocket` calls this, so a
 * handle never outlives its descriptor — a handle on a reused descriptor number aborts the process.
 */
export function releasePoll(fd: number): void {
  active.get(fd)?.close();
  unreferenced.delete(fd);
}

/**
 * Takes `fd`'s shared `waitFor` handle (stopped; its waits must be over) for a new owner, who polls
 * with it from now on and closes it: creating a handle costs more than taking one over. Returns
 * undefined when `fd` has no such handle (the owner makes its own). A pending wait is
 * `ERR_VMCI_POLL_BUSY`: the handle is still in use.
 */
export function takePoll(fd: number): FdPoller | undefined {
  const poller = sharedPoller(fd);
  if (!poller) return undefined;
  if (poller.waiters.size > 0)
    throw new VmciError(
      'ERR_VMCI_POLL_BUSY',
      `descriptor ${fd} still has ${poller.waiters.size} pending wait(s): take its poll handle once they are over`,
    );
  poller.stop();
  (poller as FdPoller).waiters = undefined;
  poller.onClose = undefined;
  unreferenced.delete(fd);
  poller.ref();
  return poller;
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
    active.set(fd, this);
  }

  /** Called once when the handle closes (explicitly or because the descriptor is closed). */
  onClose: (() => void) | undefined;

  /** The pending `waitFor`s when this is the handle they share (set by `waitFor` only). */
  waiters: Set<Waiter> | undefined;

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
    // koffi calls back with (status, events) — its bundled typings say (events) only.
    const callback = (status: number, events: Readiness) => {
      const ready: Readiness =
        status < 0 ? { readable: true, writable: true, disconnect: true, error: status } : events;
      // koffi runs this outside Node's callback scope: trampoline into a normal macrotask.
      setImmediate(() => {
        if (!this.closed) onReady(ready);
      });
    };
    const start = callback as unknown as (events: Readiness) => void;
    if (this.handle) this.handle.start(interest, start);
    else this.handle = koffi().node.poll(this.fd, interest, start);
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
    this.onClose?.();
  }
}

interface Waiter {
  readonly interest: PollInterest;
  readonly resolve: (ready: Readiness) => void;
  readonly reject: (reason: unknown) => void;
}

/** Descriptors whose waits must not keep the event loop alive (`socket.unref()`). */
const unreferenced = new Set<number>();

/** Whether pending `waitFor`s on `fd` keep the process alive (like `handle.ref()`/`unref()`). */
export function setWaitRef(fd: number, ref: boolean): void {
  if (ref) unreferenced.delete(fd);
  else unreferenced.add(fd);
  const poller = sharedPoller(fd);
  if (poller) {
    if (ref) poller.ref();
    else poller.unref();
  }
}

/** The handle `waitFor` shares on `fd`, if it has one (not a channel's own). */
function sharedPoller(fd: number): (FdPoller & { waiters: Set<Waiter> }) | undefined {
  const poller = active.get(fd);
  return poller?.waiters ? (poller as FdPoller & { waiters: Set<Waiter> }) : undefined;
}

const wants = (interest: PollInterest, ready: Readiness) =>
  ready.disconnect ||
  ready.error !== undefined ||
  (interest.readable && ready.readable) ||
  (interest.writable && ready.writable);

function restart(fd: number) {
  const poller = sharedPoller(fd);
  if (!poller) return;
  if (poller.waiters.size === 0) {
    // Keep the handle, stopped: creating one per wait costs more than the I/O it waits for. It
    // closes with the descriptor (`closeSocket`) or `releasePoll`.
    poller.stop();
    return;
  }
  const interest = { readable: false, writable: false, disconnect: true };
  for (const waiter of poller.waiters) {
    interest.readable ||= waiter.interest.readable === true;
    interest.writable ||= waiter.interest.writable === true;
  }
  poller.start(interest, (ready) => {
    for (const waiter of [...poller.waiters]) {
      if (!wants(waiter.interest, ready)) continue;
      poller.waiters.delete(waiter);
      waiter.resolve(ready);
    }
    restart(fd);
  });
}

/**
 * Resolves once `fd` is ready for `interest` (or disconnected). Concurrent waits on one descriptor
 * share one handle, which stays (stopped) between waits and closes with the descriptor:
 * `closeSocket` rejects pending waits with `ERR_VMCI_SOCKET_CLOSED`. Whoever hands the descriptor
 * on to another poller (as `connectSocket` does when it returns) calls `releasePoll(fd)` first.
 */
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
    let poller = sharedPoller(fd);
    if (!poller) {
      // A channel's own handle on `fd` makes this throw ERR_VMCI_POLL_BUSY: one handle per fd.
      const created = Object.assign(new FdPoller(fd), { waiters: new Set<Waiter>() });
      created.onClose = () => {
        for (const waiter of created.waiters) {
          waiter.reject(
            new VmciError(
              'ERR_VMCI_SOCKET_CLOSED',
              `descriptor ${fd} was closed while waiting for it`,
            ),
          );
        }
        created.waiters.clear();
      };
      poller = created;
    }
    const entry = poller;
    const onAbort = () => {
      entry.waiters.delete(waiter);
      restart(fd);
      reject(signal?.reason);
    };
    const waiter: Waiter = {
      interest,
      resolve: (ready) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(ready);
      },
      reject: (reason) => {
        signal?.removeEventListener('abort', onAbort);
        reject(reason);
      },
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    entry.waiters.add(waiter);
    restart(fd);
    if (unreferenced.has(fd)) entry.unref();
  });
}
