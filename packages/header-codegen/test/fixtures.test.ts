/**
 * The clean-room VMware header fixtures (fixtures/vmware/) on every target: every constant with
 * its C type, the sockaddr_vm layout, the static inline helpers and the arithmetic macros.
 *
 * Every expected number is worked out by hand from the C rules in the comments next to it.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildModel, type HeaderModel, type StructModel } from '../src/model.js';
import { type TargetName, targetNames } from '../src/targets.js';

const fixturesDir = fileURLToPath(new URL('../fixtures/vmware/', import.meta.url));
type Fixture = 'rev2008.h' | 'rev2011.h' | 'rev2021.h';
const fixtures: readonly Fixture[] = ['rev2008.h', 'rev2011.h', 'rev2021.h'];

function load(
  fixture: Fixture,
  target: TargetName,
  extra: { defines?: Record<string, string>; preInclude?: string[] } = {},
): HeaderModel {
  const path = `${fixturesDir}${fixture}`;
  return buildModel({ path, text: readFileSync(path, 'utf8'), target, ...extra });
}

type Family = 'linux' | 'darwin' | 'win32';
const familyOf = (target: TargetName): Family =>
  target.startsWith('linux') ? 'linux' : target.startsWith('darwin') ? 'darwin' : 'win32';

type Expected = Record<string, readonly [value: bigint | string, ctype: string]>;

// Decimal literals that fit in int are `int` (C11 6.4.4.1).
const options2008: Expected = {
  SO_VMCI_BUFFER_SIZE: [0n, 'int'],
  SO_VMCI_BUFFER_MIN_SIZE: [1n, 'int'],
  SO_VMCI_BUFFER_MAX_SIZE: [2n, 'int'],
};
const options2011: Expected = {
  ...options2008,
  SO_VMCI_PEER_HOST_VM_ID: [3n, 'int'],
  SO_VMCI_SERVICE_LABEL: [4n, 'int'],
  SO_VMCI_TRUSTED: [5n, 'int'],
  SO_VMCI_CONNECT_TIMEOUT: [6n, 'int'],
};
const options2021: Expected = {
  ...options2011,
  SO_VMCI_DISCONNECT_CAUSE: [8n, 'int'],
  SO_VMCI_PEER_LIMIT_RATE: [9n, 'int'],
  SO_VMCI_PEER_PRIV_LIMIT: [10n, 'int'],
  SO_VMCI_PEER_BURST_LEVEL: [11n, 'int'],
};
// ((unsigned int)-1): -1 converted to a 32-bit unsigned int is 2^32 - 1 = 4294967295.
const anyAddress: Expected = {
  VMADDR_CID_ANY: [4294967295n, 'unsigned int'],
  VMADDR_PORT_ANY: [4294967295n, 'unsigned int'],
};
const invalidVersion: Expected = { VMCI_SOCKETS_INVALID_VERSION: [4294967295n, 'unsigned int'] };

// "/dev/vsock" is 10 characters + NUL = char[11];
// "/vmfs/devices/char/vsock/vsock" is 5 + 8 + 5 + 6 + 6 = 30 characters + NUL = char[31].
const defaultDevice: Expected = { VMCI_SOCKETS_DEFAULT_DEVICE: ['/dev/vsock', 'char[11]'] };
const esxDevice: Expected = {
  VMCI_SOCKETS_CLASSIC_ESX_DEVICE: ['/vmfs/devices/char/vsock/vsock', 'char[31]'],
};
const linuxIoctls: Expected = {
  VMCI_SOCKETS_GET_AF_VALUE: [1976n, 'int'],
  VMCI_SOCKETS_GET_LOCAL_CID: [1977n, 'int'],
};
// L"\\\\.\\VMCI" is the 8 characters \\.\VMCI + NUL = wchar_t[9].
// Hex literals above INT_MAX (0x7fffffff) that fit in 32 bits are `unsigned int`.
const windowsDevice: Expected = {
  VMCI_SOCKETS_DEVICE: ['\\\\.\\VMCI', 'wchar_t[9]'],
  VMCI_SOCKETS_GET_AF_VALUE: [0x81032068n, 'unsigned int'],
  VMCI_SOCKETS_GET_LOCAL_CID: [0x8103206cn, 'unsigned int'],
};
// Apple <sys/ioccom.h>: _IOR(g, n, t) = IOC_OUT | ((sizeof(t) & 0x1fff) << 16) | (g << 8) | n
// with IOC_OUT = (__uint32_t)0x40000000 and 'V' = 0x56, sizeof(int) = sizeof(unsigned) = 4:
//   0x40000000 | 0x40000 | 0x5600 | n  =  0x400456nn.
// sizeof yields size_t = unsigned long (64-bit), so `unsigned int | unsigned long` is
// `unsigned long` by the usual arithmetic conversions.
const appleIoctls: Expected = {
  VMCI_SOCKETS_VERSION: [0x40045615n, 'unsigned long'], // n = 21 = 0x15
  VMCI_SOCKETS_GET_AF_VALUE: [0x40045619n, 'unsigned long'], // n = 25 = 0x19
  VMCI_SOCKETS_GET_LOCAL_CID: [0x4004561an, 'unsigned long'], // n = 26 = 0x1a
};

const expectedConstants: Record<Fixture, Record<Family, Expected>> = {
  'rev2008.h': {
    linux: { ...options2008, ...anyAddress, ...defaultDevice, ...linuxIoctls },
    darwin: { ...options2008, ...anyAddress },
    win32: { ...options2008, ...anyAddress, ...windowsDevice },
  },
  'rev2011.h': {
    linux: {
      ...options2011,
      ...anyAddress,
      ...invalidVersion,
      VMCI_SOCKETS_VERSION: [1972n, 'int'],
      ...linuxIoctls,
      ...defaultDevice,
      ...esxDevice,
    },
    darwin: {
      ...options2011,
      ...anyAddress,
      ...invalidVersion,
      ...appleIoctls,
      ...defaultDevice,
      ...esxDevice,
    },
    win32: {
      ...options2011,
      ...anyAddress,
      ...invalidVersion,
      ...windowsDevice,
      VMCI_SOCKETS_VERSION: [0x81032058n, 'unsigned int'],
    },
  },
  'rev2021.h': {
    linux: {
      ...options2021,
      ...anyAddress,
      ...invalidVersion,
      VMCI_SOCKETS_VERSION: [1972n, 'int'],
      ...linuxIoctls,
      VMCI_SOCKETS_LINUX_AF_VSOCK: [40n, 'int'],
      ...defaultDevice,
    },
    darwin: { ...options2021, ...anyAddress, ...invalidVersion, ...appleIoctls, ...defaultDevice },
    win32: {
      ...options2021,
      ...anyAddress,
      ...invalidVersion,
      ...windowsDevice,
      VMCI_SOCKETS_VERSION: [0x81032058n, 'unsigned int'],
      VMCI_SOCKETS_UUID_2_CID: [0x810320a4n, 'unsigned int'],
    },
  },
};

const expectedHelpers: Record<Fixture, Record<Family, readonly string[]>> = {
  'rev2008.h': {
    linux: ['VMCISock_GetAFValue', 'VMCISock_GetLocalCID'],
    darwin: [],
    win32: ['__VMCISock_DeviceIoControl', 'VMCISock_GetAFValue', 'VMCISock_GetLocalCID'],
  },
  'rev2011.h': {
    linux: ['VMCISock_GetAFValueFd', 'VMCISock_ReleaseAFValueFd', 'VMCISock_Version'],
    darwin: ['VMCISock_GetAFValueFd', 'VMCISock_ReleaseAFValueFd', 'VMCISock_Version'],
    win32: [
      '__VMCISock_DeviceIoControl',
      'VMCISock_Version',
      'VMCISock_GetAFValueFd',
      'VMCISock_ReleaseAFValueFd',
    ],
  },
  'rev2021.h': {
    linux: ['VMCISock_GetAFValueFd', 'VMCISock_ReleaseAFValueFd'],
    darwin: ['VMCISock_GetAFValueFd', 'VMCISock_ReleaseAFValueFd'],
    win32: ['__VMCISock_DeviceIoControl'],
  },
};

/** [name, offset, size, arrayLength] of each sockaddr_vm member. */
type Layout = { size: number; align: number; fields: [string, number, number, number?][] };

// Every layout has svm_reserved1 @2 (2), svm_port @4 (4) and svm_cid @8 (4); svm_zero starts at
// @12 and is what is left of struct sockaddr's size. The ABIs differ in sa_family_t.
const reservedPortCid: Layout['fields'] = [
  ['svm_reserved1', 2, 2],
  ['svm_port', 4, 4],
  ['svm_cid', 8, 4],
];
// Linux and Windows: sa_family_t is unsigned short (2 bytes), struct sockaddr is 2 + 14 = 16.
//   svm_family @0 (2), svm_zero[16 - 2 - 2 - 4 - 4 = 4] @12; 12 + 4 = 16, a multiple of the
//   alignment 4.
const twoByteFamily: Layout = {
  size: 16,
  align: 4,
  fields: [['svm_family', 0, 2], ...reservedPortCid, ['svm_zero', 12, 4, 4]],
};
// macOS with svm_len: sa_family_t is __uint8_t, struct sockaddr is 1 + 1 + 14 = 16.
//   svm_len @0 (1), svm_family @1 (1), svm_zero[16 - 1 - 1 - 2 - 4 - 4 = 4] @12; total 16.
const bsdLayout: Layout = {
  size: 16,
  align: 4,
  fields: [['svm_len', 0, 1], ['svm_family', 1, 1], ...reservedPortCid, ['svm_zero', 12, 4, 4]],
};
// macOS with the 2008 header (no svm_len yet): svm_family @0 (1), one byte of padding,
//   svm_zero[16 - 1 - 2 - 4 - 4 = 5] @12 ends at 17, rounded up to the alignment 4: 20 bytes —
//   why the 2009 header added svm_len.
const darwin2008Layout: Layout = {
  size: 20,
  align: 4,
  fields: [['svm_family', 0, 1], ...reservedPortCid, ['svm_zero', 12, 5, 5]],
};
const expectedLayout = (fixture: Fixture, family: Family): Layout =>
  family !== 'darwin' ? twoByteFamily : fixture === 'rev2008.h' ? darwin2008Layout : bsdLayout;

function sockaddrVm(model: HeaderModel): StructModel {
  const struct = model.structs.find((s) => s.name === 'sockaddr_vm');
  expect(struct, 'struct sockaddr_vm').toBeDefined();
  return struct as StructModel;
}

const cases = fixtures.flatMap((fixture) =>
  targetNames.map((target) => [fixture, target] as const),
);

describe.each(cases)('%s on %s', (fixture, target) => {
  const family = familyOf(target);

  it('builds a model', () => {
    const model = load(fixture, target);
    expect(model.header).toBe(fixture);
    expect(model.target).toBe(target);
    expect(model.warnings).toEqual([]);
  });

  it('has exactly the expected constants, values and C types', () => {
    const model = load(fixture, target);
    const actual = Object.fromEntries(
      model.constants.map((c) => [c.name, [c.value, c.ctype] as const]),
    );
    expect(actual).toEqual(expectedConstants[fixture][family]);
  });

  it('marks string constants wide only on Windows', () => {
    const model = load(fixture, target);
    for (const constant of model.constants) {
      if (constant.kind !== 'string') continue;
      expect(constant.wide, constant.name).toBe(constant.name === 'VMCI_SOCKETS_DEVICE');
    }
  });

  it('lays out struct sockaddr_vm as the C compiler does', () => {
    const struct = sockaddrVm(load(fixture, target));
    const layout = expectedLayout(fixture, family);
    expect(struct.cName).toBe('struct sockaddr_vm');
    expect(struct.tag).toBe('struct');
    expect(struct.packed).toBe(false);
    expect([struct.size, struct.align]).toEqual([layout.size, layout.align]);
    expect(struct.fields.map((f) => [f.name, f.offset, f.size, f.arrayLength])).toEqual(
      layout.fields.map(([name, offset, size, length]) => [name, offset, size, length]),
    );
  });

  it('types svm_family as sa_family_t and svm_zero as bytes', () => {
    const struct = sockaddrVm(load(fixture, target));
    const familyField = struct.fields.find((f) => f.name === 'svm_family');
    const zero = struct.fields.find((f) => f.name === 'svm_zero');
    expect(familyField?.type).toBe('sa_family_t');
    expect(familyField?.koffiType).toBe(family === 'darwin' ? 'uint8_t' : 'uint16_t');
    expect(zero?.koffiType).toBe('uint8_t');
    expect(zero?.type).toBe(`unsigned char[${zero?.arrayLength}]`);
  });

  it('records the static inline helpers as not callable', () => {
    const model = load(fixture, target);
    expect(model.functions.map((f) => f.name)).toEqual(expectedHelpers[fixture][family]);
    for (const fn of model.functions) {
      expect(fn.callable, fn.name).toBe(false);
      expect(fn.note, fn.name).toMatch(/inline/);
    }
  });

  it('has no kernel-only prototypes or ESX-only records in user space', () => {
    const model = load(fixture, target);
    const names = model.functions.map((f) => f.name);
    for (const kernelOnly of [
      'VMCISock_KernelRegister',
      'VMCISock_KernelDeregister',
      'VMCISock_KextGetAFValue',
      'VMCISock_Uuid2ContextId',
    ]) {
      expect(names).not.toContain(kernelOnly);
    }
    expect(model.structs.map((s) => s.name)).toEqual(['sockaddr_vm']);
    expect(model.constants.map((c) => c.name)).not.toContain('SO_VMCI_NONBLOCK_TXRX');
  });

  it('translates the version accessors as arithmetic macros', () => {
    const model = load(fixture, target);
    const macros = model.macroFunctions.map((m) => [m.name, m.params, m.ctype]);
    if (fixture === 'rev2008.h') {
      expect(macros).toEqual([]);
      return;
    }
    // (_v & 0xFF000000) >> 24 with _v taken as unsigned int: 0xFF000000 is unsigned int (above
    // INT_MAX), 0x00FF0000 and 0x0000FFFF are int but meet an unsigned int operand, so every
    // result is `unsigned int`.
    expect(macros).toEqual([
      ['VMCI_SOCKETS_VERSION_EPOCH', ['_v'], 'unsigned int'],
      ['VMCI_SOCKETS_VERSION_MAJOR', ['_v'], 'unsigned int'],
      ['VMCI_SOCKETS_VERSION_MINOR', ['_v'], 'unsigned int'],
    ]);
  });
});

describe('fixture variants', () => {
  it('declares the Windows ioctl helper with its DWORD parameter', () => {
    const fn = load('rev2011.h', 'win32-x64').functions.find(
      (f) => f.name === '__VMCISock_DeviceIoControl',
    );
    expect(fn?.signature).toBe('unsigned int __VMCISock_DeviceIoControl(DWORD cmd)');
    expect(fn?.params).toEqual([{ name: 'cmd', type: 'DWORD' }]);
    expect(fn?.returns).toBe('unsigned int');
  });

  it('declares the Linux helpers with their C signatures', () => {
    const model = load('rev2008.h', 'linux-x64');
    expect(model.functions.map((f) => f.signature)).toEqual([
      'int VMCISock_GetAFValue(void)',
      'unsigned int VMCISock_GetLocalCID(void)',
    ]);
  });

  it('has callable kernel prototypes when __KERNEL__ is defined', () => {
    // The kernel branch includes no socket header: the includer provides struct sockaddr.
    const model = load('rev2008.h', 'linux-x64', {
      defines: { __KERNEL__: '1' },
      preInclude: ['sys/socket.h'],
    });
    expect(model.functions.map((f) => [f.signature, f.callable])).toEqual([
      ['void VMCISock_KernelRegister(void)', true],
      ['void VMCISock_KernelDeregister(void)', true],
      ['int VMCISock_GetAFValue(void)', true],
      ['int VMCISock_GetLocalCID(void)', true],
    ]);
    expect(model.constants.map((c) => c.name)).not.toContain('VMCI_SOCKETS_GET_AF_VALUE');
  });

  it('takes the macOS kext branch when KERNEL is defined', () => {
    // `#elif defined(__APPLE__) && (KERNEL)`: KERNEL is undefined (0) in user space.
    const model = load('rev2011.h', 'darwin-arm64', { defines: { KERNEL: '1' } });
    expect(model.functions.map((f) => [f.name, f.callable])).toEqual([
      ['VMCISock_KextGetAFValue', true],
    ]);
    expect(model.constants.map((c) => c.name)).not.toContain('VMCI_SOCKETS_GET_AF_VALUE');
  });

  it('defines SO_VMCI_NONBLOCK_TXRX only for the VMkernel', () => {
    const model = load('rev2011.h', 'linux-x64', { defines: { VMKERNEL: '1' } });
    const constant = model.constants.find((c) => c.name === 'SO_VMCI_NONBLOCK_TXRX');
    expect(constant && [constant.value, constant.ctype]).toEqual([7n, 'int']);
    expect(model.functions).toEqual([]);
  });

  it.each(['linux-x64', 'linux-arm64'] as const)(
    'lays out the ESX-only struct uuid_2_cid on %s',
    (target) => {
      const model = load('rev2021.h', target, { defines: { VMKERNEL: '1' } });
      const struct = model.structs.find((s) => s.name === 'uuid_2_cid');
      // u2c_context_id @0 (4), u2c_pad @4 (4), u2c_uuid_string[128] @8; 8 + 128 = 136, align 4.
      expect(struct && [struct.size, struct.align]).toEqual([136, 4]);
      expect(struct?.fields.map((f) => [f.name, f.offset, f.arrayLength])).toEqual([
        ['u2c_context_id', 0, undefined],
        ['u2c_pad', 4, undefined],
        ['u2c_uuid_string', 8, 128],
      ]);
      // Plain char is signed on x86-64 and unsigned on AArch64 Linux.
      expect(struct?.fields[2]?.koffiType).toBe(target === 'linux-x64' ? 'int8_t' : 'uint8_t');
      const uuid = model.constants.find((c) => c.name === 'VMCI_SOCKETS_UUID_2_CID');
      expect(uuid && [uuid.value, uuid.ctype]).toEqual([1981n, 'int']);
      const helper = model.functions.find((f) => f.name === 'VMCISock_Uuid2ContextId');
      expect(helper?.callable).toBe(false);
      expect(helper?.returns).toBe('unsigned int');
    },
  );

  it('parses the extern "C" guards when compiled as C++', () => {
    const plain = load('rev2021.h', 'linux-x64');
    const cplusplus = load('rev2021.h', 'linux-x64', { defines: { __cplusplus: '201703L' } });
    expect(cplusplus.functions.map((f) => f.name)).toEqual(plain.functions.map((f) => f.name));
    expect(cplusplus.constants).toEqual(plain.constants);
    expect(sockaddrVm(cplusplus).size).toBe(16);
  });

  it('keeps the doc comments of the options', () => {
    const model = load('rev2008.h', 'linux-x64');
    const doc = model.constants.find((c) => c.name === 'SO_VMCI_BUFFER_MIN_SIZE')?.doc;
    expect(doc).toBe('Socket option: the smallest buffer size a stream socket may have.');
  });
});
