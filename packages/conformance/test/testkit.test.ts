/**
 * The transport conformance suite against the testkit's fake hypervisor.
 */
import { createHypervisor } from '@vmci/testkit';
import { describeTransportConformance } from '../src/index.js';
import { guestToHost, unreachableCid } from './helpers/testkit-targets.js';

describeTransportConformance('fake: guest → host', () => guestToHost(7), {
  hangingCid: unreachableCid,
});

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
      unreachableCid,
      unreachableCodes: ['ETIMEDOUT'],
      openResources: () => hypervisor.openResources(),
    };
  },
  { hangingCid: unreachableCid },
);
