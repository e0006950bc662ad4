/**
 * An idle timer, as `net.Socket#setTimeout` keeps one: `touch()` on activity restarts it; it fires
 * once the socket has been idle for the set time (0 disables it).
 */
import { validateSetTimeout } from './arguments.js';
import type { TransportClock } from './channel.js';

export class IdleTimer {
  private ms = 0;
  private timer: unknown;
  private referenced = true;

  /** @param clock what the timer keeps time with: a transport's (a test's manual clock), or the system's. */
  constructor(
    private readonly onIdle: () => void,
    private readonly clock?: TransportClock,
  ) {}

  set(ms: number): void {
    this.ms = ms;
  }

  /**
   * `setTimeout(msecs[, callback])` for `socket`, as net's: checks the arguments, adds (or, with
   * 0, removes) `callback` as a one-time `'timeout'` listener, and restarts the timer.
   */
  apply(
    socket: {
      once(event: 'timeout', listener: () => void): unknown;
      removeListener(event: 'timeout', listener: () => void): unknown;
    },
    msecs: number,
    callback: (() => void) | undefined,
    open: boolean,
  ): void {
    this.set(validateSetTimeout(msecs, callback));
    if (callback) {
      if (msecs === 0) socket.removeListener('timeout', callback);
      else socket.once('timeout', callback);
    }
    if (open) this.touch();
  }

  touch(): void {
    this.clear();
    if (this.ms > 0) {
      this.timer = this.clock
        ? this.clock.setTimer(this.ms, this.onIdle)
        : setTimeout(this.onIdle, this.ms);
      this.applyRef();
    }
  }

  clear(): void {
    if (this.timer === undefined) return;
    if (this.clock) this.clock.clearTimer(this.timer);
    else clearTimeout(this.timer as NodeJS.Timeout);
    this.timer = undefined;
  }

  ref(referenced: boolean): void {
    this.referenced = referenced;
    this.applyRef();
  }

  /** A system timer holds the event loop unless unreferenced; a manual clock's holds nothing. */
  private applyRef(): void {
    const timer = this.timer as { ref?: () => void; unref?: () => void } | undefined;
    if (this.referenced) timer?.ref?.();
    else timer?.unref?.();
  }
}

/**
 * `ref()` / `unref()` of a socket over a channel: the channel and the idle timer hold the event
 * loop together, or neither does. Returns `socket`, as the methods do.
 */
export function setReferenced<T>(
  socket: T,
  channel: { setRef(ref: boolean): void },
  idle: IdleTimer,
  ref: boolean,
): T {
  channel.setRef(ref);
  idle.ref(ref);
  return socket;
}
