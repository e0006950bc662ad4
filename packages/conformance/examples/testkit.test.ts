// The suite against the testkit's fake hypervisor: VM 3's transport dials, the host's listens.
import {
  type ConformanceTarget,
  describeKernelParity,
  describeTransportConformance,
} from '@vmci/conformance';
import { createHypervisor } from '@vmci/testkit';

/** A fresh hypervisor per test: the host (CID 2) serves, VM 3 connects. */
function guestToHost(seed: number): ConformanceTarget {
  const hypervisor = createHypervisor({ seed });
  const vm = hypervisor.addVM({ cid: 3 });
  return {
    server: hypervisor.host.transport,
    client: vm.transport,
    serverCid: 2,
    unreachableCid: 99, // no VM has it: connects to it time out, as on the kernel
    unreachableCodes: ['ETIMEDOUT'],
    openResources: () => hypervisor.openResources(), // must return to its count after each test
  };
}

describeTransportConformance('fake: guest → host', () => guestToHost(7), { hangingCid: 99 });
describeKernelParity('fake: guest → host', () => guestToHost(5));
