/**
 * How serving commands wait for the end: until the binary's signal aborts (SIGINT/SIGTERM), or
 * for the life of the process when there is no signal.
 */
export function untilAborted(signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return new Promise(() => {});
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) =>
    signal.addEventListener('abort', () => resolve(), { once: true }),
  );
}
