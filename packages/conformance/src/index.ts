/**
 * @vmci/conformance — the transport conformance suite: one behaviour per test, like Node core's
 * `test-net-*`, one file per behaviour group under `groups/`. It runs unchanged against every
 * Transport — the kernel (both backends, inside the nested VM), the testkit's fake hypervisor and
 * hybrid vsock. Adding a transport means one `describeTransportConformance` call.
 */
import { describe } from 'vitest';
import { useConformanceContext } from './context.js';
import { describeBufferSizes } from './groups/buffer-sizes.js';
import { describeBulk } from './groups/bulk.js';
import { describeConcurrency } from './groups/concurrency.js';
import { describeHalfClose } from './groups/half-close.js';
import { describeLifecycle } from './groups/lifecycle.js';
import { describeNetApiConformance } from './groups/net-api.js';
import { describeSeqpacket } from './groups/seqpacket.js';
import { describeServerLimits } from './groups/server-limits.js';
import { describeStreams } from './groups/streams.js';
import { describeTimeouts } from './groups/timeouts.js';
import type { ConformanceCapabilities, ConformanceSetup } from './target.js';

export { describeKernelParity } from './kernel-parity.js';
export type { ConformanceCapabilities, ConformanceSetup, ConformanceTarget } from './target.js';

/**
 * Registers the conformance suite (one vitest test per behaviour) for a transport pair: a
 * transport that passes behaves as the kernel does. `capabilities` say what it cannot stage;
 * they never loosen an assertion. Call it at the top level of a vitest test file.
 *
 * @param name - names the run: the tests are under `transport conformance: <name>`.
 * @param setup - makes a fresh {@link ConformanceTarget} for each test.
 * @param capabilities - what the transport cannot stage (default: everything is there).
 */
export function describeTransportConformance(
  name: string,
  setup: ConformanceSetup,
  capabilities: ConformanceCapabilities = {},
): void {
  describe(`transport conformance: ${name}`, () => {
    const ctx = useConformanceContext(setup);
    describeStreams(ctx);
    describeHalfClose(ctx);
    describeBulk(ctx);
    describeConcurrency(ctx);
    describeLifecycle(ctx);
    describeTimeouts(ctx, capabilities);
    describeServerLimits(ctx);
    describeBufferSizes(ctx, capabilities);
    describeSeqpacket(ctx, capabilities);
  });
  // API-level blocks (their own hooks: a sibling, so each test sets up one target).
  describeNetApiConformance(`transport conformance: ${name}`, setup, capabilities);
}
