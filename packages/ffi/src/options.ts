/**
 * Typed vsock socket options (level AF_VSOCK): buffer sizes are u64, the connect timeout a
 * `struct timeval`; plus a raw escape hatch for any level and option.
 */
import { errnoError, VmciError } from './errors.js';
import { getLibc } from './libc.js';
import { libcConstants as C } from './libc-constants.js';
import { assertSupported, vmSocketsFor } from './platform.js';

const names = () => vmSocketsFor(assertSupported());

/** Reads an option's raw bytes (at most `length`). */
export function getRawOption(fd: number, level: number, name: number, length: number): Buffer {
  const libc = getLibc();
  const value = Buffer.alloc(length);
  const size = Buffer.alloc(4);
  size.writeUInt32LE(length);
  if (libc.getsockopt(fd, level, name, value, size) < 0)
    throw errnoError('getsockopt', libc.errno());
  return value.subarray(0, size.readUInt32LE(0));
}

/** `setsockopt(fd, level, name, value)` with the bytes as given; a failure throws the errno's {@link VmciError}. */
export function setRawOption(fd: number, level: number, name: number, value: Buffer): void {
  const libc = getLibc();
  if (libc.setsockopt(fd, level, name, value, value.length) < 0)
    throw errnoError('setsockopt', libc.errno());
}

function toU64(name: string, value: number | bigint): bigint {
  const big = typeof value === 'bigint' ? value : Number.isSafeInteger(value) ? BigInt(value) : -1n;
  if (big < 0n || big > 0xffffffffffffffffn) {
    throw new VmciError(
      'ERR_VMCI_INVALID_ARGUMENT',
      `${name} must be a non-negative integer (bytes), got ${String(value)}`,
    );
  }
  return big;
}

function getU64(fd: number, option: number): number {
  const value = getRawOption(fd, C.AF_VSOCK, option, 8);
  return Number(value.readBigUInt64LE(0));
}

function setU64(fd: number, option: number, name: string, value: number | bigint): void {
  const encoded = Buffer.alloc(8);
  encoded.writeBigUInt64LE(toU64(name, value));
  setRawOption(fd, C.AF_VSOCK, option, encoded);
}

/** The stream buffer size, minimum and maximum (bytes). */
export interface BufferSizes {
  readonly size: number;
  readonly min: number;
  readonly max: number;
}

/** The stream buffer size and its bounds (`SO_VM_SOCKETS_BUFFER_SIZE`, `_MIN_SIZE`, `_MAX_SIZE`) of a vsock descriptor. */
export function getBufferSizes(fd: number): BufferSizes {
  const o = names();
  return {
    size: getU64(fd, o.SO_VM_SOCKETS_BUFFER_SIZE),
    min: getU64(fd, o.SO_VM_SOCKETS_BUFFER_MIN_SIZE),
    max: getU64(fd, o.SO_VM_SOCKETS_BUFFER_MAX_SIZE),
  };
}

/**
 * Sets the raw SO_VM_SOCKETS_BUFFER_SIZE. The kernel clamps it to [min, max] silently; use
 * {@link setBufferSizes} to move the limits along.
 */
export function setBufferSize(fd: number, size: number | bigint): void {
  setU64(fd, names().SO_VM_SOCKETS_BUFFER_SIZE, 'buffer size', size);
}

/**
 * Sets size, min and max in the order that makes the kernel keep them (max first when growing,
 * min first when shrinking), and reads back what holds. Throws when the kernel still clamped.
 */
export function setBufferSizes(
  fd: number,
  sizes: Partial<BufferSizes> & { size: number },
): BufferSizes {
  const o = names();
  const current = getBufferSizes(fd);
  const max = sizes.max ?? Math.max(current.max, sizes.size);
  const min = sizes.min ?? Math.min(current.min, sizes.size);
  if (min > sizes.size || sizes.size > max) {
    throw new VmciError(
      'ERR_VMCI_INVALID_ARGUMENT',
      `buffer sizes must satisfy min <= size <= max, got min ${min}, size ${sizes.size}, max ${max}`,
    );
  }
  // Widen both limits first, then narrow them: every intermediate state keeps min <= max.
  setU64(fd, o.SO_VM_SOCKETS_BUFFER_MAX_SIZE, 'max', Math.max(max, current.max));
  setU64(fd, o.SO_VM_SOCKETS_BUFFER_MIN_SIZE, 'min', Math.min(min, current.min));
  setU64(fd, o.SO_VM_SOCKETS_BUFFER_SIZE, 'size', sizes.size);
  setU64(fd, o.SO_VM_SOCKETS_BUFFER_MAX_SIZE, 'max', max);
  setU64(fd, o.SO_VM_SOCKETS_BUFFER_MIN_SIZE, 'min', min);
  const result = getBufferSizes(fd);
  if (result.size !== sizes.size) {
    throw new VmciError(
      'ERR_VMCI_INVALID_ARGUMENT',
      `the kernel kept buffer size ${result.size} instead of ${sizes.size}`,
    );
  }
  return result;
}

/** The connect timeout in milliseconds (a `struct timeval` in the kernel). */
export function getConnectTimeout(fd: number): number {
  const value = getRawOption(fd, C.AF_VSOCK, names().SO_VM_SOCKETS_CONNECT_TIMEOUT, 16);
  return (
    Number(value.readBigInt64LE(0)) * 1000 + Math.floor(Number(value.readBigInt64LE(8)) / 1000)
  );
}

/**
 * Sets `SO_VM_SOCKETS_CONNECT_TIMEOUT` (a positive number of milliseconds); throws
 * `ERR_VMCI_INVALID_ARGUMENT` otherwise.
 */
export function setConnectTimeout(fd: number, milliseconds: number): void {
  if (!Number.isFinite(milliseconds) || milliseconds <= 0) {
    throw new VmciError(
      'ERR_VMCI_INVALID_ARGUMENT',
      `connect timeout must be a positive number of milliseconds, got ${String(milliseconds)}`,
    );
  }
  const value = Buffer.alloc(16);
  const whole = Math.floor(milliseconds);
  value.writeBigInt64LE(BigInt(Math.floor(whole / 1000)), 0);
  value.writeBigInt64LE(BigInt((whole % 1000) * 1000), 8);
  // The 64-bit `timeval` option (6 on LP64; the header picks OLD or NEW by ABI).
  setRawOption(fd, C.AF_VSOCK, names().SO_VM_SOCKETS_CONNECT_TIMEOUT, value);
}

/** Whether the socket is trusted (VMCI only; virtio answers ENOPROTOOPT). */
export function getTrusted(fd: number): boolean {
  return getRawOption(fd, C.AF_VSOCK, names().SO_VM_SOCKETS_TRUSTED, 4).readInt32LE(0) !== 0;
}

/** The peer's host-specific VM id (VMCI only; virtio answers ENOPROTOOPT). */
export function getPeerHostVmId(fd: number): number {
  return getRawOption(fd, C.AF_VSOCK, names().SO_VM_SOCKETS_PEER_HOST_VM_ID, 4).readInt32LE(0);
}
