/**
 * The clock the virtual hypervisor keeps time with: link latency and bandwidth, connect timeouts,
 * delayed accepts and the traffic record's timestamps. The system clock by default; a
 * {@link ManualClock} lets a test move time itself, so fault tests assert order and outcomes, not
 * milliseconds.
 */

export interface Clock {
  /** Milliseconds (any origin). */
  now(): number;
  /** Calls `callback` once `ms` milliseconds have passed on this clock. */
  setTimer(ms: number, callback: () => void): unknown;
  clearTimer(handle: unknown): void;
}

/** The real clock: `Date.now()` and `setTimeout`. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer: (ms, callback) => setTimeout(callback, ms),
  clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

interface Timer {
  readonly due: number;
  readonly order: number;
  readonly callback: () => void;
}

/** Event-loop turns to let in-memory I/O settle between timers (the fake works in setImmediate steps). */
const settleTurns = 50;
const settle = async () => {
  for (let i = 0; i < settleTurns; i++) await new Promise((resolve) => setImmediate(resolve));
};

/**
 * A clock that moves only when the test says so: `await clock.advance(ms)` fires the timers due
 * within `ms`, in due order (ties in the order they were set), letting the in-memory I/O settle
 * after each. Starts at 0.
 */
export class ManualClock implements Clock {
  private current = 0;
  private counter = 0;
  private timers: Timer[] = [];

  now(): number {
    return this.current;
  }

  setTimer(ms: number, callback: () => void): unknown {
    const timer: Timer = {
      due: this.current + Math.max(0, Number.isFinite(ms) ? ms : 0),
      order: this.counter++,
      callback,
    };
    this.timers.push(timer);
    return timer;
  }

  clearTimer(handle: unknown): void {
    this.timers = this.timers.filter((timer) => timer !== handle);
  }

  /** Timers waiting to fire. */
  get pending(): number {
    return this.timers.length;
  }

  /** Moves time forward by `ms`, firing what falls due on the way. */
  async advance(ms: number): Promise<void> {
    const end = this.current + ms;
    for (;;) {
      await settle();
      const next = this.earliest();
      if (!next || next.due > end) break;
      this.timers = this.timers.filter((timer) => timer !== next);
      this.current = next.due;
      next.callback();
    }
    this.current = end;
    await settle();
  }

  /** Fires every timer (and those they set), moving time to each; stops after `limit` timers. */
  async runAll(limit = 10_000): Promise<void> {
    for (let fired = 0; fired < limit; fired++) {
      await settle();
      const next = this.earliest();
      if (!next) return;
      await this.advance(next.due - this.current);
    }
  }

  private earliest(): Timer | undefined {
    let best: Timer | undefined;
    for (const timer of this.timers)
      if (!best || timer.due < best.due || (timer.due === best.due && timer.order < best.order))
        best = timer;
    return best;
  }
}
