/**
 * The real Linux UAPI header, /usr/include/linux/vm_sockets.h, on both Linux targets: every
 * constant with its value and C type, the arithmetic macros and the sockaddr_vm layout.
 *
 * Expected values are worked out by hand from the header text and the C rules.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { emitModule } from '../src/emit.js';
import { buildModel, type HeaderModel } from '../src/model.js';
import type { TargetName } from '../src/targets.js';

const headerPath = '/usr/include/linux/vm_sockets.h';

function linuxModel(target: TargetName): HeaderModel {
  return buildModel({
    path: headerPath,
    text: readFileSync(headerPath, 'utf8'),
    target,
    // The header uses _IO() without including <sys/ioctl.h>; users include it first.
    preInclude: ['sys/ioctl.h'],
  });
}

const expectedConstants: Record<string, readonly [bigint, string]> = {
  SO_VM_SOCKETS_BUFFER_SIZE: [0n, 'int'],
  SO_VM_SOCKETS_BUFFER_MIN_SIZE: [1n, 'int'],
  SO_VM_SOCKETS_BUFFER_MAX_SIZE: [2n, 'int'],
  SO_VM_SOCKETS_PEER_HOST_VM_ID: [3n, 'int'],
  SO_VM_SOCKETS_TRUSTED: [5n, 'int'],
  SO_VM_SOCKETS_CONNECT_TIMEOUT_OLD: [6n, 'int'],
  SO_VM_SOCKETS_NONBLOCK_TXRX: [7n, 'int'],
  SO_VM_SOCKETS_CONNECT_TIMEOUT_NEW: [8n, 'int'],
  // `#if __BITS_PER_LONG == 64 || ...`: both targets are LP64, so it is the _OLD value, 6.
  SO_VM_SOCKETS_CONNECT_TIMEOUT: [6n, 'int'],
  // -1U: 1U is unsigned int; negating it wraps modulo 2^32 to 4294967295.
  VMADDR_CID_ANY: [4294967295n, 'unsigned int'],
  VMADDR_PORT_ANY: [4294967295n, 'unsigned int'],
  VMADDR_CID_HYPERVISOR: [0n, 'int'],
  VMADDR_CID_LOCAL: [1n, 'int'],
  VMADDR_CID_HOST: [2n, 'int'],
  // 0x01 fits in int.
  VMADDR_FLAG_TO_HOST: [1n, 'int'],
  VM_SOCKETS_INVALID_VERSION: [4294967295n, 'unsigned int'],
  // _IO(7, 0xb9) = _IOC(_IOC_NONE, 7, 0xb9, 0)
  //   = (0U << 30) | (7 << 8) | (0xb9 << 0) | (0 << 16) = 1792 + 185 = 1977;
  // _IOC_NONE is 0U, so the | chain is unsigned int.
  IOCTL_VM_SOCKETS_GET_LOCAL_CID: [1977n, 'unsigned int'],
  SOL_VSOCK: [287n, 'int'],
  VSOCK_RECVERR: [1n, 'int'],
};

const targets = ['linux-x64', 'linux-arm64'] as const;
const headerInstalled = existsSync(headerPath);

describe.runIf(headerInstalled).each(targets)('linux/vm_sockets.h on %s', (target) => {
  it('has exactly the expected constants, values and C types', () => {
    const model = linuxModel(target);
    const actual = Object.fromEntries(
      model.constants.map((c) => [c.name, [c.value, c.ctype] as const]),
    );
    expect(actual).toEqual(expectedConstants);
    for (const constant of model.constants) {
      expect(constant.kind, constant.name).toBe('integer');
      expect(constant.origin, constant.name).toBe('macro');
    }
  });

  it('keeps the constants in header order', () => {
    const lines = linuxModel(target).constants.map((c) => c.line);
    expect(lines).toEqual([...lines].sort((a, b) => a - b));
  });

  it('lays out struct sockaddr_vm with svm_flags at 12 and svm_zero[3] at 13', () => {
    const struct = linuxModel(target).structs.find((s) => s.name === 'sockaddr_vm');
    // svm_family (__kernel_sa_family_t, 2) @0, svm_reserved1 (2) @2, svm_port (4) @4,
    // svm_cid (4) @8, svm_flags (__u8, 1) @12,
    // svm_zero[16 - 2 - 2 - 4 - 4 - 1 = 3] @13; 13 + 3 = 16, a multiple of the alignment 4.
    expect(struct && [struct.cName, struct.size, struct.align, struct.packed]).toEqual([
      'struct sockaddr_vm',
      16,
      4,
      false,
    ]);
    expect(
      struct?.fields.map((f) => [f.name, f.offset, f.size, f.type, f.koffiType, f.arrayLength]),
    ).toEqual([
      ['svm_family', 0, 2, '__kernel_sa_family_t', 'uint16_t', undefined],
      ['svm_reserved1', 2, 2, 'unsigned short', 'uint16_t', undefined],
      ['svm_port', 4, 4, 'unsigned int', 'uint32_t', undefined],
      ['svm_cid', 8, 4, 'unsigned int', 'uint32_t', undefined],
      ['svm_flags', 12, 1, '__u8', 'uint8_t', undefined],
      ['svm_zero', 13, 3, 'unsigned char[3]', 'uint8_t', 3],
    ]);
  });

  it('has only sockaddr_vm as a struct and no functions', () => {
    const model = linuxModel(target);
    expect(model.structs.map((s) => s.name)).toEqual(['sockaddr_vm']);
    expect(model.functions).toEqual([]);
  });

  it('translates the version accessors as unsigned int arithmetic', () => {
    // (_v & 0xFF000000) >> 24 etc. with _v as unsigned int: the results are unsigned int.
    const macros = linuxModel(target).macroFunctions;
    expect(macros.map((m) => [m.name, m.params, m.ctype])).toEqual([
      ['VM_SOCKETS_VERSION_EPOCH', ['_v'], 'unsigned int'],
      ['VM_SOCKETS_VERSION_MAJOR', ['_v'], 'unsigned int'],
      ['VM_SOCKETS_VERSION_MINOR', ['_v'], 'unsigned int'],
    ]);
  });

  it('reports the include guard as an empty macro, not a constant', () => {
    const skip = linuxModel(target).skipped.find((s) => s.name === '_VM_SOCKETS_H');
    expect(skip?.kind).toBe('macro');
  });

  it('emits the constants into TypeScript', () => {
    const text = emitModule(linuxModel(target));
    expect(text).toMatch(/export const SOL_VSOCK = 287;/);
    expect(text).toMatch(/export const VMADDR_CID_ANY = 4294967295;/);
    expect(text).toMatch(/export const IOCTL_VM_SOCKETS_GET_LOCAL_CID = 1977;/);
  });
});

describe.runIf(headerInstalled)('linux/vm_sockets.h without a pre-included <sys/ioctl.h>', () => {
  it('skips IOCTL_VM_SOCKETS_GET_LOCAL_CID instead of guessing _IO', () => {
    const model = buildModel({
      path: headerPath,
      text: readFileSync(headerPath, 'utf8'),
      target: 'linux-x64',
    });
    expect(model.constants.map((c) => c.name)).not.toContain('IOCTL_VM_SOCKETS_GET_LOCAL_CID');
    expect(model.skipped.map((s) => s.name)).toContain('IOCTL_VM_SOCKETS_GET_LOCAL_CID');
  });
});
