/**
 * Events as they arrive (a proxy's, a CLI's JSON log lines), with a way to wait for one; shared
 * by the packages' tests, not shipped.
 */

/** An event: an object with an `event` name and fields. */
export interface NamedEvent {
  readonly event: string;
}

/** Events as they arrive, with a way to wait for one. */
export class EventLog<E extends NamedEvent> {
  readonly events: E[] = [];
  private waiters: { match: (event: E) => boolean; resolve: (event: E) => void }[] = [];

  readonly push = (event: E): void => {
    this.events.push(event);
    for (const waiter of [...this.waiters]) {
      if (waiter.match(event)) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve(event);
      }
    }
  };

  /**
   * The first event (already seen or coming) with this name and these fields; rejects after
   * `timeoutMs` with what was seen (generous: a diagnostic on a loaded machine, not a deadline).
   */
  waitFor(name: E['event'], fields: Partial<E> = {}, timeoutMs = 60_000): Promise<E> {
    const match = (event: E) =>
      event.event === name &&
      Object.entries(fields).every(([key, value]) => event[key as keyof E] === value);
    const seen = this.events.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((waiter) => waiter.resolve !== done);
        reject(
          new Error(
            `no '${name}' event ${JSON.stringify(fields)} within ${timeoutMs} ms; seen: ${JSON.stringify(this.events)}`,
          ),
        );
      }, timeoutMs);
      const done = (event: E) => {
        clearTimeout(timer);
        resolve(event);
      };
      this.waiters.push({ match, resolve: done });
    });
  }

  /** The events with this name, in order. */
  named(name: E['event']): E[] {
    return this.events.filter((event) => event.event === name);
  }
}
