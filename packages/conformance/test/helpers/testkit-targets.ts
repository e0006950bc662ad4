/**
 * Test helper: the testkit targets the in-process runs use (conformance and kernel parity), so
 * both describe the same hypervisor.
 */
import { createHypervisor } from '@vmci/testkit';
import type { ConformanceTarget } from '../../src/index.js';

/** A CID no VM has: connects to it time out, as to an unreachable CID on the kernel. */
export const unreachableCid = 99;

/** VM 3 connects to the host (CID 2) on a fresh hypervisor seeded with `seed`. */
export function guestToHost(seed: number): ConformanceTarget {
  const hypervisor = createHypervisor({ seed });
  const vm = hypervisor.addVM({ cid: 3 });
  return {
    server: hypervisor.host.transport,
    client: vm.transport,
    serverCid: 2,
    unreachableCid,
    unreachableCodes: ['ETIMEDOUT'],
    openResources: () => hypervisor.openResources(),
  };
}
