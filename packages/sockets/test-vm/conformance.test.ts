/**
 * The conformance suite on the real kernel (vsock_loopback, CID 1), for both backends.
 */
import { readdirSync } from 'node:fs';
import { requireHarnessGuest } from '@vmci/ffi/harness';
import { describeTransportConformance } from '../src/conformance/index.js';
import { KernelTransport } from '../src/index.js';

requireHarnessGuest();

const openDescriptors = () => readdirSync('/proc/self/fd').length;

for (const backend of ['pipe', 'poll'] as const) {
  const transport = new KernelTransport({ backend });
  describeTransportConformance(`kernel/${backend}`, () => ({
    server: transport,
    client: transport,
    serverCid: 1,
    unreachableCid: 4242,
    unreachableCodes: ['ENODEV', 'ETIMEDOUT', 'EHOSTUNREACH', 'ECONNRESET'],
    openResources: openDescriptors,
  }));
}
