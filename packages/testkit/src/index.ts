/**
 * @vmci/testkit — a virtual hypervisor with VMs whose Transports behave like the kernel's, so
 * vsock applications are tested without booting VMs.
 */
export { fakeMaxDatagramSize, fakeMaxMessageSize } from './channels.js';
export { type Clock, ManualClock, systemClock } from './clock.js';
export { Faults, type LinkShape, type Scope } from './faults.js';
export { refusingTransport, transportRequiredCode } from './guard.js';
export {
  createHypervisor,
  Endpoint,
  HOST_CID,
  HYPERVISOR_CID,
  Hypervisor,
  type HypervisorOptions,
  LOCAL_CID,
  VirtualMachine,
  type VmOptions,
} from './hypervisor.js';
export { noVsockGuard } from './no-vsock-guard.js';
export { FakeTransport } from './transport.js';
