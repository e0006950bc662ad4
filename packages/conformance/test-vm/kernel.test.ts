/**
 * The conformance suite on the real kernel (vsock_loopback, CID 1), for both backends.
 */
import { requireHarnessGuest } from '@vmci/ffi/harness';
import { describeTransportConformance } from '../src/index.js';
import { backends, kernelTarget } from './kernel-target.js';

requireHarnessGuest();

for (const backend of backends)
  describeTransportConformance(`kernel/${backend}`, kernelTarget(backend));
