/**
 * `vmci proxy` as a real process on the real kernel (vsock_loopback, CID 1): TCP → vsock to a
 * `vmci listen --echo` process, vsock → TCP for a `vmci connect` process, and Unix → vsock with a
 * SIGTERM at the end. The scenarios are shared with the host's served-testkit run
 * (test/processes-testkit.test.ts).
 */
import { requireHarnessGuest } from '@vmci/ffi/harness';
import { kernelSetup, proxyScenarios } from '../test/helpers/process-scenarios.js';

requireHarnessGuest();
proxyScenarios(() => kernelSetup, 240_000);
