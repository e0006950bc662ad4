/**
 * Which generated bindings describe this process's platform, and whether syscalls can work here.
 * Importing never fails elsewhere: only the first syscall throws.
 */

import { VmciError } from './errors.js';
import * as generated from './generated/index.js';

/** The targets whose vsock syscalls @vmci/ffi makes (the generated bindings cover more). */
export type SupportedTarget = 'linux-x64' | 'linux-arm64';

/** The target of this process (`linux-x64`, …), or undefined where vsock syscalls are not supported. */
export function currentTarget(): SupportedTarget | undefined {
  if (process.platform !== 'linux') return undefined;
  if (process.arch === 'x64') return 'linux-x64';
  if (process.arch === 'arm64') return 'linux-arm64';
  return undefined;
}

/** Throws the typed "not supported" error unless this platform can make vsock syscalls. */
export function assertSupported(): SupportedTarget {
  const target = currentTarget();
  if (!target) {
    throw new VmciError(
      'ERR_VMCI_UNSUPPORTED_PLATFORM',
      `vsock sockets are not supported on ${process.platform}-${process.arch} yet: @vmci/ffi makes AF_VSOCK syscalls on Linux x64 and arm64; the constants and layouts stay usable`,
    );
  }
  return target;
}

/** The generated `linux/vm_sockets.h` bindings for a Linux target. */
export function vmSocketsFor(target: SupportedTarget) {
  return target === 'linux-arm64'
    ? generated.vm_sockets_linux_arm64
    : generated.vm_sockets_linux_x64;
}
