/**
 * The transport conformance suite against the testkit's fake hypervisor, guest to guest; the
 * guest → host run (and its kernel parity) is the README's example, examples/testkit.test.ts.
 */
import { createHypervisor } from '@vmci/testkit';
import { describeTransportConformance } from '../src/index.js';

/** A CID no VM has: connects to it time out, as to an unreachable CID on the kernel. */
const unreachableCid = 99;

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
