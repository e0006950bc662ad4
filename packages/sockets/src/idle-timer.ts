/**
 * An idle timer, as `net.Socket#setTimeout` keeps one: `touch()` on activity restarts it; it fires
 * once the socket has been idle for the set time (0 disables it).
 */
import { validateSetTimeout } from './arguments.js';

export class IdleTimer {
  private ms = 0;
  private timer: NodeJS.Timeout | undefined;
  private referenced = true;

  constructor(private readonly onIdle: () => void) {}

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
      this.timer = setTimeout(this.onIdle, this.ms);
      if (!this.referenced) this.timer.unref();
    }
  }

  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  ref(referenced: boolean): void {
    this.referenced = referenced;
    if (referenced) this.timer?.ref();
    else this.timer?.unref();
  }
}
