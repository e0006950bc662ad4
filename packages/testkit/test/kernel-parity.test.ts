/**
 * Kernel limits the fake must share (one port space, bytes in flight), from @vmci/sockets'
 * conformance suite; the same cases run on the kernel in the VM (sockets' test-vm).
 */
import { describeKernelParity } from '@vmci/sockets/conformance';
import { createHypervisor } from '../src/index.js';

describeKernelParity('fake: guest → host', () => {
  const hypervisor = createHypervisor({ seed: 5 });
  const vm = hypervisor.addVM({ cid: 3 });
  return {
    server: hypervisor.host.transport,
    client: vm.transport,
    serverCid: 2,
    unreachableCid: 99,
    unreachableCodes: ['ETIMEDOUT'],
    openResources: () => hypervisor.openResources(),
  };
});
