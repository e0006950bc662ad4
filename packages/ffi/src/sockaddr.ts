/**
 * `struct sockaddr_vm` to and from bytes, driven by the generated layout of the running target
 * (no hand-written offsets).
 */
import { VmciError } from './errors.js';
import { libcConstants } from './libc-constants.js';
import { assertSupported, vmSocketsFor } from './platform.js';

/** A vsock address. `flags` is Linux's `svm_flags` (e.g. VMADDR_FLAG_TO_HOST). */
export interface SockaddrVm {
  readonly cid: number;
  readonly port: number;
  readonly flags?: number;
}

const maxU32 = 0xffffffff;

function checkU32(name: string, value: number) {
  if (!Number.isInteger(value) || value < 0 || value > maxU32) {
    throw new VmciError(
      'ERR_VMCI_INVALID_ADDRESS',
      `${name} must be an integer from 0 to 4294967295 (use 4294967295, VMADDR_${name === 'cid' ? 'CID' : 'PORT'}_ANY, for "any"), got ${String(value)}`,
    );
  }
}

/** The generated layout of `struct sockaddr_vm` for some target (fields by name). */
export interface SockaddrVmLayout {
  readonly size: number;
  readonly fields: Readonly<Record<string, { readonly offset: number; readonly size: number }>>;
}

/** The layout of this platform's `struct sockaddr_vm`. */
export function currentSockaddrVmLayout(): SockaddrVmLayout {
  return vmSocketsFor(assertSupported()).layouts.sockaddr_vm;
}

function field(layout: SockaddrVmLayout, name: string) {
  const found = layout.fields[name];
  if (!found)
    throw new VmciError(
      'ERR_VMCI_INVALID_ARGUMENT',
      `this sockaddr_vm layout has no '${name}' member`,
    );
  return found;
}

/**
 * Encodes an address for `bind`/`connect`/`sendto`. Members the layout has are filled: macOS's
 * leading `svm_len` gets the struct size, Linux's `svm_flags` the flags.
 */
export function encodeSockaddrVm(
  address: SockaddrVm,
  layout: SockaddrVmLayout = currentSockaddrVmLayout(),
): Buffer {
  checkU32('cid', address.cid);
  checkU32('port', address.port);
  const flags = address.flags ?? 0;
  if (!Number.isInteger(flags) || flags < 0 || flags > 0xff) {
    throw new VmciError(
      'ERR_VMCI_INVALID_ADDRESS',
      `flags must be an integer from 0 to 255, got ${String(flags)}`,
    );
  }
  const buffer = Buffer.alloc(layout.size);
  const length = layout.fields.svm_len;
  if (length) buffer.writeUIntLE(layout.size, length.offset, length.size);
  const family = field(layout, 'svm_family');
  buffer.writeUIntLE(libcConstants.AF_VSOCK, family.offset, family.size);
  buffer.writeUInt32LE(address.port, field(layout, 'svm_port').offset);
  buffer.writeUInt32LE(address.cid, field(layout, 'svm_cid').offset);
  const flagsField = layout.fields.svm_flags;
  if (flagsField) buffer.writeUInt8(flags, flagsField.offset);
  else if (flags !== 0)
    throw new VmciError(
      'ERR_VMCI_INVALID_ADDRESS',
      "this platform's sockaddr_vm has no svm_flags member: flags must be 0",
    );
  return buffer;
}

/** Decodes an address filled in by `accept`, `getsockname`, `getpeername` or `recvfrom`. */
export function decodeSockaddrVm(
  buffer: Buffer,
  layout: SockaddrVmLayout = currentSockaddrVmLayout(),
): SockaddrVm {
  if (buffer.length < layout.size) {
    throw new VmciError(
      'ERR_VMCI_INVALID_ADDRESS',
      `a sockaddr_vm needs ${layout.size} bytes, got ${buffer.length}`,
    );
  }
  const familyField = field(layout, 'svm_family');
  const family = buffer.readUIntLE(familyField.offset, familyField.size);
  if (family !== libcConstants.AF_VSOCK) {
    throw new VmciError(
      'ERR_VMCI_INVALID_ADDRESS',
      `not a vsock address: family ${family}, expected ${libcConstants.AF_VSOCK}`,
    );
  }
  const flagsField = layout.fields.svm_flags;
  return {
    cid: buffer.readUInt32LE(field(layout, 'svm_cid').offset),
    port: buffer.readUInt32LE(field(layout, 'svm_port').offset),
    flags: flagsField ? buffer.readUInt8(flagsField.offset) : 0,
  };
}
