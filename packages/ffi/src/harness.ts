/**
 * The nested-VM guard: tests that connect AF_VSOCK sockets run only inside the project's own
 * harness guest (qemu with vsock_loopback and no vsock device to the outside), which puts this
 * marker on the kernel command line. Anywhere else they must refuse to run.
 */
import { readFileSync } from 'node:fs';

/** What the harness guest's kernel command line carries (`/proc/cmdline`). */
export const harnessMarker = 'vsock_harness_guest=1';

/** Whether this process runs inside the project's harness guest (the marker is on `/proc/cmdline`). */
export function inHarnessGuest(): boolean {
  try {
    return readFileSync('/proc/cmdline', 'utf8').split(/\s+/).includes(harnessMarker);
  } catch {
    return false;
  }
}

/** Throws (a test file calls this at load, so it fails loudly rather than skips) outside the guest. */
export function requireHarnessGuest(): void {
  if (!inHarnessGuest()) {
    throw new Error(
      `refusing to run: this suite connects AF_VSOCK sockets and must run inside the nested-VM harness (no '${harnessMarker}' on /proc/cmdline). Run it with \`pnpm test:vm\`.`,
    );
  }
}
