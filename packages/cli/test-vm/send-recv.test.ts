/**
 * `vmci recv` and `vmci send` as real processes on the real kernel (vsock_loopback, CID 1): an
 * 8 MiB random file crosses intact and nothing temporary is left behind; Ctrl-C on the sender
 * ends it with one line. The scenarios are shared with the host's served-testkit run
 * (test/processes-testkit.test.ts).
 */
import { requireHarnessGuest } from '@vmci/ffi/harness';
import { kernelSetup, sendRecvScenarios } from '../test/helpers/process-scenarios.js';

requireHarnessGuest();
sendRecvScenarios(() => kernelSetup, 240_000);
