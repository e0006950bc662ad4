/**
 * Kernel limits the testkit's fake must share (one port space, bytes in flight); the same cases
 * run on the kernel in the VM (test-vm/kernel-parity.test.ts).
 */
import { describeKernelParity } from '../src/index.js';
import { guestToHost } from './helpers/testkit-targets.js';

describeKernelParity('fake: guest → host', () => guestToHost(5));
