/**
 * Vitest helpers: a fresh hypervisor per test that fails the test when it leaves sockets, servers
 * or datagram sockets open, and prints the traffic record of a failing test. While it runs, a call
 * without `transport:` fails (ERR_VMCI_TRANSPORT_REQUIRED) instead of reaching the kernel.
 */
import { afterEach, beforeEach, onTestFailed } from 'vitest';
import { createHypervisor, type Hypervisor, type HypervisorOptions } from './hypervisor.js';

/** Options of `useHypervisor`: the hypervisor's, plus the leak check's patience and tracing. */
export interface UseHypervisorOptions extends HypervisorOptions {
  /**
   * How long to wait for closes to settle before calling something a leak (ms; default 200), and
   * never fewer than 40 event-loop turns.
   */
  readonly settleMs?: number;
  /** Print the traffic record when a test fails. Default true. */
  readonly traceOnFailure?: boolean;
}

/**
 * Call at the top of a test file or `describe`; returns a getter for the current test's hypervisor.
 *
 * ```ts
 * const hv = useHypervisor();
 * it('talks to the host', async () => { const vm = hv().addVM({ cid: 3 }); … });
 * ```
 */
export function useHypervisor(options: UseHypervisorOptions = {}): () => Hypervisor {
  let current: Hypervisor | undefined;
  let restoreDefault: (() => void) | undefined;
  beforeEach(() => {
    const hypervisor = createHypervisor(options);
    current = hypervisor;
    restoreDefault = hypervisor.installAsDefault();
    if (options.traceOnFailure !== false) {
      onTestFailed(() => {
        console.error(`vsock traffic of the failed test:\n${hypervisor.trace() || '(none)'}`);
      });
    }
  });
  afterEach(async () => {
    const hypervisor = current;
    current = undefined;
    restoreDefault?.();
    restoreDefault = undefined;
    if (!hypervisor) return;
    // At least 40 turns of the event loop as well as settleMs: on a loaded machine one turn can
    // outlast the whole budget, and closes finish on later turns.
    const deadline = Date.now() + (options.settleMs ?? 200);
    for (
      let turns = 0;
      hypervisor.openResources() > 0 && (turns < 40 || Date.now() < deadline);
      turns++
    )
      await new Promise((resolve) => setTimeout(resolve, 5));
    const open = hypervisor.openResourceLabels();
    if (open.length > 0) {
      throw new Error(
        `the test left ${open.length} vsock resource(s) open — close or destroy them:\n  ${open.join('\n  ')}`,
      );
    }
  });
  return () => {
    if (!current) throw new Error('useHypervisor(): the hypervisor exists only inside a test');
    return current;
  };
}
