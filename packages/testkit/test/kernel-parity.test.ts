/**
 * Kernel limits the fake must share (one port space, bytes in flight), from @vmci/sockets'
 * conformance suite; the same cases run on the kernel in the VM (sockets' test-vm).
 */
import { describeKernelParity } from '@vmci/sockets/conformance';
import { guestToHost } from './helpers/targets.js';

describeKernelParity('fake: guest → host', () => guestToHost(5));
