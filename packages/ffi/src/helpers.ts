/**
 * VMware's `VMCISock_*` helpers, re-implemented: in the header they are `static inline`, so no
 * symbol exists to bind. Unlike the header's logic, `getAFValue` also probes STREAM, so it answers
 * 40 on virtio guests, where datagram sockets do not exist.
 */

import { errnoName } from './errno.js';
import { errnoError, VmciError } from './errors.js';
import { getLibc } from './libc.js';
import { libcConstants as C } from './libc-constants.js';
import { assertSupported, vmSocketsFor } from './platform.js';

/** The device paths VMware's header tries, in order. */
export const vsockDevicePaths = ['/dev/vsock', '/vmfs/devices/char/vsock/vsock'] as const;
/** VMware's Linux ioctl numbers (upstream kernels answer ENOTTY to these two). */
export const vmwareIoctls = { version: 1972, getAFValue: 1976, getLocalCID: 1977 } as const;

function openDevice(): { fd: number; path: string } | { error: number } {
  const libc = getLibc();
  let error = 0;
  for (const path of vsockDevicePaths) {
    const fd = libc.open(path, C.O_RDWR | C.O_CLOEXEC);
    if (fd >= 0) return { fd, path };
    error = libc.errno();
  }
  return { error };
}

function ioctlU32(fd: number, request: number): { value: number } | { errno: number } {
  const libc = getLibc();
  const out = [0];
  if (libc.ioctlOutU32(fd, request, out) < 0) return { errno: libc.errno() };
  return { value: out[0] as number };
}

/** How the address family was found. */
export type AFValueSource = 'socket-stream' | 'socket-dgram' | 'ioctl';

/**
 * The address family to pass to `socket()`: 40 (AF_VSOCK) on upstream kernels, or what VMware's
 * driver reports through its device; -1 when vsock is unavailable.
 */
export function getAFValue(): number {
  return getAFValueDetailed().family;
}

/**
 * {@link getAFValue} with how the family was found, and the device descriptor VMware's
 * on-demand family needs kept open (-1 when none; release it with {@link releaseAFValueFd}).
 */
export function getAFValueDetailed(): {
  family: number;
  source: AFValueSource | undefined;
  fd: number;
} {
  assertSupported();
  const libc = getLibc();
  for (const [type, source] of [
    [C.SOCK_STREAM, 'socket-stream'],
    [C.SOCK_DGRAM, 'socket-dgram'],
  ] as const) {
    const fd = libc.socket(C.AF_VSOCK, type | C.SOCK_CLOEXEC, 0);
    if (fd >= 0) {
      libc.close(fd);
      return { family: C.AF_VSOCK, source, fd: -1 };
    }
  }
  const device = openDevice();
  if ('error' in device) return { family: -1, source: undefined, fd: -1 };
  const result = ioctlU32(device.fd, vmwareIoctls.getAFValue);
  if ('errno' in result) {
    libc.close(device.fd);
    return { family: -1, source: undefined, fd: -1 };
  }
  return { family: result.value | 0, source: 'ioctl', fd: device.fd };
}

/**
 * VMware's `VMCISock_GetAFValueFd`: the family, plus the device descriptor that keeps VMware's
 * on-demand family registered (-1 when none is needed). Release it with {@link releaseAFValueFd}.
 */
export function getAFValueFd(): { family: number; fd: number } {
  const { family, fd } = getAFValueDetailed();
  return { family, fd };
}

/** Closes the descriptor {@link getAFValueFd} returned (VMware's `VMCISock_ReleaseAFValueFd`); -1 is ignored. */
export function releaseAFValueFd(fd: number): void {
  if (fd >= 0) getLibc().close(fd);
}

/** This VM's context id (ioctl IOCTL_VM_SOCKETS_GET_LOCAL_CID on /dev/vsock). */
export function getLocalCID(): number {
  const target = assertSupported();
  const device = openDevice();
  if ('error' in device) {
    throw new VmciError(
      errnoName(device.error),
      `cannot open ${vsockDevicePaths.join(' or ')}: ${errnoName(device.error)}; load the vsock module (modprobe vsock) or check permissions`,
      { syscall: 'open', errno: device.error },
    );
  }
  const libc = getLibc();
  try {
    const result = ioctlU32(device.fd, vmSocketsFor(target).IOCTL_VM_SOCKETS_GET_LOCAL_CID);
    if ('errno' in result) throw errnoError('ioctl', result.errno);
    return result.value;
  } finally {
    libc.close(device.fd);
  }
}

/** The vsock driver's version as {@link version} reports it, or why it is not available. */
export type VsockVersion =
  | {
      readonly available: true;
      readonly version: number;
      readonly epoch: number;
      readonly major: number;
      readonly minor: number;
    }
  | { readonly available: false; readonly reason: string };

/** VMware's `VMCISock_Version`; upstream kernels do not implement it (ENOTTY → not available). */
export function version(): VsockVersion {
  const target = assertSupported();
  const device = openDevice();
  if ('error' in device)
    return { available: false, reason: `no vsock device (${errnoName(device.error)})` };
  try {
    const result = ioctlU32(device.fd, vmwareIoctls.version);
    if ('errno' in result) {
      const name = errnoName(result.errno);
      return {
        available: false,
        reason:
          name === 'ENOTTY'
            ? 'this kernel does not implement the VMware version ioctl (upstream vsock)'
            : `ioctl failed: ${name}`,
      };
    }
    const g = vmSocketsFor(target);
    if (result.value === g.VM_SOCKETS_INVALID_VERSION)
      return { available: false, reason: 'the driver reports an invalid version' };
    return {
      available: true,
      version: result.value,
      epoch: g.VM_SOCKETS_VERSION_EPOCH(result.value),
      major: g.VM_SOCKETS_VERSION_MAJOR(result.value),
      minor: g.VM_SOCKETS_VERSION_MINOR(result.value),
    };
  } finally {
    getLibc().close(device.fd);
  }
}
