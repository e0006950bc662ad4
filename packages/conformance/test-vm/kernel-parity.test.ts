/**
 * Kernel limits the testkit's fake must share (one port space, bytes in flight), on the real
 * kernel (vsock_loopback, CID 1), for both backends; test/testkit-kernel-parity.test.ts runs the
 * same cases on the fake.
 */
import { requireHarnessGuest } from '@vmci/ffi/harness';
import { describeKernelParity } from '../src/index.js';
import { backends, kernelTarget } from './kernel-target.js';

requireHarnessGuest();

for (const backend of backends) describeKernelParity(`kernel/${backend}`, kernelTarget(backend));
