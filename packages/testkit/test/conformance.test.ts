/**
 * The transport conformance suite from @vmci/sockets, unchanged, against the fake hypervisor.
 */
import { describeTransportConformance } from '@vmci/sockets/conformance';
import { createHypervisor } from '../src/index.js';

describeTransportConformance(
  'fake: guest → host',
  () => {
    const hypervisor = createHypervisor({ seed: 7 });
    const vm = hypervisor.addVM({ cid: 3 });
    return {
      server: hypervisor.host.transport,
      client: vm.transport,
      serverCid: 2,
      unreachableCid: 99,
      unreachableCodes: ['ETIMEDOUT'],
      openResources: () => hypervisor.openResources(),
    };
  },
  { hangingCid: 99 },
);

describeTransportConformance(
  'fake: guest → guest (unrestricted)',
  () => {
    const hypervisor = createHypervisor({ seed: 11 });
    const a = hypervisor.addVM({ cid: 3, allowUnrestrictedCommunication: true });
    const b = hypervisor.addVM({ cid: 4, allowUnrestrictedCommunication: true });
    return {
      server: b.transport,
      client: a.transport,
      serverCid: 4,
      unreachableCid: 99,
      unreachableCodes: ['ETIMEDOUT'],
      openResources: () => hypervisor.openResources(),
    };
  },
  { hangingCid: 99 },
);
