/**
 * The well-known vsock addresses, from the generated bindings (never re-declared elsewhere: every
 * package imports them from here). `linux/vm_sockets.h` defines them as plain numbers that do not
 * depend on the ABI, and VMware's `vmci_sockets.h` agrees on the two it has; `test/well-known.test.ts`
 * checks that every generated target says the same.
 */
import { vm_sockets_linux_x64 as linux } from './generated/index.js';

/** `VMADDR_CID_ANY` (-1U): bind to any of this machine's CIDs. */
export const VMADDR_CID_ANY = linux.VMADDR_CID_ANY;
/** `VMADDR_PORT_ANY` (-1U): bind to a free port. */
export const VMADDR_PORT_ANY = linux.VMADDR_PORT_ANY;
/** `VMADDR_CID_HYPERVISOR` (0): the hypervisor. */
export const VMADDR_CID_HYPERVISOR = linux.VMADDR_CID_HYPERVISOR;
/** `VMADDR_CID_LOCAL` (1): this machine itself (loopback). */
export const VMADDR_CID_LOCAL = linux.VMADDR_CID_LOCAL;
/** `VMADDR_CID_HOST` (2): the host. */
export const VMADDR_CID_HOST = linux.VMADDR_CID_HOST;

/** Whether `cid` is a guest's (a VM's): above the host's, and not {@link VMADDR_CID_ANY}. */
export function isGuestCid(cid: number): boolean {
  return Number.isInteger(cid) && cid > VMADDR_CID_HOST && cid < VMADDR_CID_ANY;
}
