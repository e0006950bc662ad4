/**
 * Guest↔guest vsock traffic on VMware (VMCI) is deprecated: VMware's VMCI Sockets guide says it
 * will be removed in the next major release. An app that connects from one guest to another gets a
 * one-time `DeprecationWarning` ({@link guestToGuestDeprecationCode}) — from the kernel transport
 * when the kernel's vsock transport is VMCI, and from the testkit (which models VMware).
 *
 * VMCI or virtio is told apart by what the kernel shows, once per process: VMCI is loaded when
 * `/sys/module/vmw_vsock_vmci_transport` or `/dev/vmci` exists. virtio-vsock guests (KVM, QEMU,
 * Firecracker) have neither, and guest↔guest traffic there is not VMware's to deprecate.
 */
import { existsSync } from 'node:fs';
import { isGuestCid } from '@vmci/ffi';

/** The stable code of the guest↔guest `DeprecationWarning`. */
export const guestToGuestDeprecationCode = 'VMCI_DEP_GUEST_TO_GUEST';

/** What the kernel shows when its vsock transport is VMware's VMCI. */
export const vmciTransportMarkers = ['/sys/module/vmw_vsock_vmci_transport', '/dev/vmci'] as const;

let warned = false;
let vmciLoaded: boolean | undefined;

/** Whether the kernel's vsock transport is VMCI (probed once, then cached). */
export function kernelUsesVmci(): boolean {
  vmciLoaded ??= vmciTransportMarkers.some((path) => existsSync(path));
  return vmciLoaded;
}

/** A connection from `localCid` to `remoteCid` is guest↔guest: both are VMs, and not the same. */
export function isGuestToGuest(localCid: number, remoteCid: number): boolean {
  return isGuestCid(localCid) && isGuestCid(remoteCid) && localCid !== remoteCid;
}

/**
 * Emits the guest↔guest `DeprecationWarning` once per process (later calls do nothing). Returns
 * whether this call emitted it.
 */
export function warnGuestToGuest(localCid: number, remoteCid: number): boolean {
  if (warned) return false;
  warned = true;
  process.emitWarning(
    `guest-to-guest vsock traffic (CID ${localCid} → CID ${remoteCid}) is deprecated by VMware ` +
      'and will stop working in its next major release: route it through the host (CID 2), ' +
      'e.g. with `vmci proxy` on the host.',
    { type: 'DeprecationWarning', code: guestToGuestDeprecationCode },
  );
  return true;
}

/**
 * The kernel transport's check before a connect: warns when this guest connects to another guest
 * over VMCI. `localCid` is asked only when the target could be a guest (it costs an ioctl).
 */
export function noteKernelConnect(
  remoteCid: number,
  localCid: () => number,
  usesVmci: () => boolean = kernelUsesVmci,
): void {
  if (warned || !isGuestCid(remoteCid) || !usesVmci()) return;
  let local: number;
  try {
    local = localCid();
  } catch {
    return;
  }
  if (isGuestToGuest(local, remoteCid)) warnGuestToGuest(local, remoteCid);
}
