/**
 * The transport conformance suite across processes: the hypervisor runs in a child process
 * (`vmci-testkit serve`); servers join it as the host and clients as VM 3 through
 * `RemoteTransport`, so every byte and message crosses into the owning process and back.
 */
import { RemoteTransport } from '@vmci/testkit/remote';
// The served hypervisor is the testkit's own cross-process test helper, from its workspace-only
// test-helpers subpath: imported, not copied.
import {
  childTestTimeoutMs,
  type ServedHypervisor,
  startServedHypervisor,
} from '@vmci/testkit/test-helpers';
import { afterAll, beforeAll } from 'vitest';
import { describeTransportConformance } from '../src/index.js';

let served: ServedHypervisor;
beforeAll(async () => {
  served = await startServedHypervisor(['--vm', '3']);
}, childTestTimeoutMs);
afterAll(() => served?.stop(), childTestTimeoutMs);

const target = () => {
  const server = new RemoteTransport({ path: served.path, cid: 2 });
  const client = new RemoteTransport({ path: served.path, cid: 3 });
  return {
    server,
    client,
    serverCid: 2,
    unreachableCid: 99,
    unreachableCodes: ['ETIMEDOUT'],
    openResources: () => server.openResources() + client.openResources(),
  };
};

// Streams and SEQPACKET (message sizes against buffers included) across processes.
describeTransportConformance('testkit across processes: VM 3 → host', target, {
  hangingCid: 99,
});
