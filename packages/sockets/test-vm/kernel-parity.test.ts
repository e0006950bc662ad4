/**
 * Kernel limits the testkit's fake must share (one port space, bytes in flight), on the real
 * kernel (vsock_loopback, CID 1), for both backends.
 */
import { readdirSync } from 'node:fs';
import { requireHarnessGuest } from '@vmci/ffi/harness';
import { describeKernelParity } from '../src/conformance/kernel-parity.js';
import { KernelTransport } from '../src/index.js';

requireHarnessGuest();

for (const backend of ['pipe', 'poll'] as const) {
  const transport = new KernelTransport({ backend });
  describeKernelParity(`kernel/${backend}`, () => ({
    server: transport,
    client: transport,
    serverCid: 1,
    unreachableCid: 4242,
    unreachableCodes: ['ENODEV', 'ETIMEDOUT', 'EHOSTUNREACH', 'ECONNRESET'],
    openResources: () => readdirSync('/proc/self/fd').length,
  }));
}
