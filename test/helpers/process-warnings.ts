/**
 * Process warnings in tests (shared by the packages' tests; not shipped): what `process.emitWarning`
 * emitted while collecting. A test file starts and stops it around each test.
 */

/** The `'warning'` events of this process while started, in order. */
export function warningCollector(): {
  readonly warnings: Error[];
  start(): void;
  stop(): void;
  /** Resolves after one turn of the event loop: Node emits a warning on the next tick. */
  settle(): Promise<void>;
} {
  const warnings: Error[] = [];
  const collect = (warning: Error) => warnings.push(warning);
  return {
    warnings,
    start: () => {
      process.on('warning', collect);
    },
    stop: () => {
      process.off('warning', collect);
    },
    settle: () => new Promise((resolve) => setImmediate(resolve)),
  };
}
