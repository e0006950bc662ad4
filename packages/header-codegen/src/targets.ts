/**
 * Target profiles: predefined macros, data model, and the small system headers a header may
 * include. Shared by the generator and by the compiler oracle (which compiles against the same
 * shims for targets whose SDK is not on this machine).
 */
import type { DataModel, FloatTypeName, IntTypeName } from './c-types.js';
import { CodegenError } from './errors.js';

/** Every target ABI the generator knows. */
export const targetNames = [
  'linux-x64',
  'linux-arm64',
  'darwin-x64',
  'darwin-arm64',
  'win32-x64',
] as const;
/** A target ABI the generator knows (`linux-x64`, …). */
export type TargetName = (typeof targetNames)[number];

/** A target ABI: compiler triple, data model (sizes and alignments) and predefined macros. */
export interface TargetProfile {
  readonly name: TargetName;
  /** Clang's `--target=` triple for this ABI. */
  readonly triple: string;
  readonly model: DataModel;
  /** Macros the compiler predefines (what `gcc -std=gnu11 -dM -E` prints that headers test). */
  readonly predefined: Readonly<Record<string, string>>;
  /** `<name>` → text of the shim the profile provides. */
  readonly systemHeaders: Readonly<Record<string, string>>;
}

type Sizes = Record<IntTypeName | FloatTypeName | 'pointer', number>;

const lp64: Sizes = {
  _Bool: 1,
  char: 1,
  'signed char': 1,
  'unsigned char': 1,
  short: 2,
  'unsigned short': 2,
  int: 4,
  'unsigned int': 4,
  long: 8,
  'unsigned long': 8,
  'long long': 8,
  'unsigned long long': 8,
  float: 4,
  double: 8,
  'long double': 16,
  pointer: 8,
};
const llp64: Sizes = { ...lp64, long: 4, 'unsigned long': 4, 'long double': 8 };

const commonPredefined = {
  __STDC__: '1',
  __STDC_VERSION__: '201112L',
  __STDC_HOSTED__: '1',
  __CHAR_BIT__: '8',
  __ORDER_LITTLE_ENDIAN__: '1234',
  __ORDER_BIG_ENDIAN__: '4321',
  __BYTE_ORDER__: '__ORDER_LITTLE_ENDIAN__',
  __SIZEOF_SHORT__: '2',
  __SIZEOF_INT__: '4',
  __SIZEOF_LONG_LONG__: '8',
  __SIZEOF_POINTER__: '8',
};
const lp64Predefined = {
  ...commonPredefined,
  __LP64__: '1',
  _LP64: '1',
  __SIZEOF_LONG__: '8',
  __SIZEOF_SIZE_T__: '8',
};
const linuxPredefined = {
  ...lp64Predefined,
  __linux__: '1',
  __linux: '1',
  linux: '1',
  __gnu_linux__: '1',
  __unix__: '1',
  __unix: '1',
  unix: '1',
  __ELF__: '1',
  __GNUC__: '12',
  __GNUC_MINOR__: '2',
};
const darwinPredefined = {
  ...lp64Predefined,
  __APPLE__: '1',
  __MACH__: '1',
  __clang__: '1',
  __GNUC__: '4',
};

// ---- system header shims -------------------------------------------------------------------------
// Only what VMware's and Linux's vsock headers reach for; each file is guarded like the real one.

const guarded = (guard: string, body: string) =>
  `#ifndef ${guard}\n#define ${guard}\n${body}\n#endif\n`;

const posixCommon = {
  'stddef.h': guarded(
    '_SHIM_STDDEF_H',
    '#define NULL ((void *)0)\n#define offsetof(t, m) __builtin_offsetof(t, m)',
  ),
  'stdio.h': guarded('_SHIM_STDIO_H', '#include <stddef.h>\n#define EOF (-1)'),
  'string.h': guarded('_SHIM_STRING_H', '#include <stddef.h>'),
  'unistd.h': guarded('_SHIM_UNISTD_H', '#include <sys/types.h>\nint close(int fd);'),
  'sys/stat.h': guarded('_SHIM_SYS_STAT_H', '#include <sys/types.h>'),
  'fcntl.h': guarded(
    '_SHIM_FCNTL_H',
    '#include <sys/types.h>\n#define O_RDONLY 0x0000\n#define O_WRONLY 0x0001\n#define O_RDWR 0x0002\nint open(const char *path, int flags, ...);',
  ),
};

const linuxHeaders: Record<string, string> = {
  ...posixCommon,
  'sys/types.h': guarded(
    '_SHIM_SYS_TYPES_H',
    'typedef unsigned long size_t;\ntypedef long ssize_t;\ntypedef long time_t;\ntypedef long off_t;\ntypedef int pid_t;\ntypedef unsigned int mode_t;',
  ),
  'linux/types.h': guarded(
    '_SHIM_LINUX_TYPES_H',
    [
      '#include <asm/bitsperlong.h>',
      'typedef signed char __s8;',
      'typedef unsigned char __u8;',
      'typedef short __s16;',
      'typedef unsigned short __u16;',
      'typedef int __s32;',
      'typedef unsigned int __u32;',
      'typedef long long __s64;',
      'typedef unsigned long long __u64;',
      'typedef long __kernel_long_t;',
      'typedef unsigned long __kernel_ulong_t;',
    ].join('\n'),
  ),
  'asm/bitsperlong.h': guarded('_SHIM_ASM_BITSPERLONG_H', '#define __BITS_PER_LONG 64'),
  'linux/socket.h': guarded('_SHIM_LINUX_SOCKET_H', 'typedef unsigned short __kernel_sa_family_t;'),
  'sys/socket.h': guarded(
    '_SHIM_SYS_SOCKET_H',
    [
      '#include <sys/types.h>',
      'typedef unsigned short sa_family_t;',
      'typedef unsigned int socklen_t;',
      'struct sockaddr { sa_family_t sa_family; char sa_data[14]; };',
      '#define SOCK_STREAM 1',
      '#define SOCK_DGRAM 2',
      '#define SOCK_SEQPACKET 5',
      'int socket(int domain, int type, int protocol);',
    ].join('\n'),
  ),
  'asm-generic/ioctl.h': guarded(
    '_SHIM_ASM_GENERIC_IOCTL_H',
    [
      '#define _IOC_NRBITS 8',
      '#define _IOC_TYPEBITS 8',
      '#define _IOC_SIZEBITS 14',
      '#define _IOC_DIRBITS 2',
      '#define _IOC_NRSHIFT 0',
      '#define _IOC_TYPESHIFT (_IOC_NRSHIFT + _IOC_NRBITS)',
      '#define _IOC_SIZESHIFT (_IOC_TYPESHIFT + _IOC_TYPEBITS)',
      '#define _IOC_DIRSHIFT (_IOC_SIZESHIFT + _IOC_SIZEBITS)',
      '#define _IOC_NONE 0U',
      '#define _IOC_WRITE 1U',
      '#define _IOC_READ 2U',
      '#define _IOC(dir, type, nr, size) (((dir) << _IOC_DIRSHIFT) | ((type) << _IOC_TYPESHIFT) | ((nr) << _IOC_NRSHIFT) | ((size) << _IOC_SIZESHIFT))',
      '#define _IOC_TYPECHECK(t) (sizeof(t))',
      '#define _IO(type, nr) _IOC(_IOC_NONE, (type), (nr), 0)',
      '#define _IOR(type, nr, size) _IOC(_IOC_READ, (type), (nr), (_IOC_TYPECHECK(size)))',
      '#define _IOW(type, nr, size) _IOC(_IOC_WRITE, (type), (nr), (_IOC_TYPECHECK(size)))',
      '#define _IOWR(type, nr, size) _IOC(_IOC_READ | _IOC_WRITE, (type), (nr), (_IOC_TYPECHECK(size)))',
    ].join('\n'),
  ),
  'linux/ioctl.h': guarded('_SHIM_LINUX_IOCTL_H', '#include <asm-generic/ioctl.h>'),
  'sys/ioctl.h': guarded(
    '_SHIM_SYS_IOCTL_H',
    '#include <asm-generic/ioctl.h>\nint ioctl(int fd, unsigned long request, ...);',
  ),
};

const darwinHeaders: Record<string, string> = {
  ...posixCommon,
  'sys/_types.h': guarded(
    '_SHIM_SYS__TYPES_H',
    'typedef unsigned char __uint8_t;\ntypedef unsigned short __uint16_t;\ntypedef unsigned int __uint32_t;\ntypedef unsigned long long __uint64_t;',
  ),
  'sys/types.h': guarded(
    '_SHIM_SYS_TYPES_H',
    '#include <sys/_types.h>\ntypedef unsigned long size_t;\ntypedef long ssize_t;\ntypedef long time_t;\ntypedef long long off_t;\ntypedef int pid_t;\ntypedef unsigned short mode_t;',
  ),
  'sys/socket.h': guarded(
    '_SHIM_SYS_SOCKET_H',
    [
      '#include <sys/types.h>',
      'typedef __uint8_t sa_family_t;',
      'typedef __uint32_t socklen_t;',
      'struct sockaddr { __uint8_t sa_len; sa_family_t sa_family; char sa_data[14]; };',
      '#define SOCK_STREAM 1',
      '#define SOCK_DGRAM 2',
      '#define SOCK_SEQPACKET 5',
      'int socket(int domain, int type, int protocol);',
    ].join('\n'),
  ),
  'sys/ioccom.h': guarded(
    '_SHIM_SYS_IOCCOM_H',
    [
      '#include <sys/_types.h>',
      '#define IOCPARM_MASK 0x1fff',
      '#define IOC_VOID (__uint32_t)0x20000000',
      '#define IOC_OUT (__uint32_t)0x40000000',
      '#define IOC_IN (__uint32_t)0x80000000',
      '#define IOC_INOUT (IOC_IN|IOC_OUT)',
      '#define _IOC(inout, group, num, len) (inout | ((len & IOCPARM_MASK) << 16) | ((group) << 8) | (num))',
      '#define _IO(g, n) _IOC(IOC_VOID, (g), (n), 0)',
      '#define _IOR(g, n, t) _IOC(IOC_OUT, (g), (n), sizeof(t))',
      '#define _IOW(g, n, t) _IOC(IOC_IN, (g), (n), sizeof(t))',
      '#define _IOWR(g, n, t) _IOC(IOC_INOUT, (g), (n), sizeof(t))',
    ].join('\n'),
  ),
  'sys/ioctl.h': guarded(
    '_SHIM_SYS_IOCTL_H',
    '#include <sys/ioccom.h>\nint ioctl(int fd, unsigned long request, ...);',
  ),
};

const windowsHeaders: Record<string, string> = {
  'windows.h': guarded(
    '_SHIM_WINDOWS_H',
    [
      'typedef unsigned long DWORD;',
      'typedef int BOOL;',
      'typedef void *HANDLE;',
      'typedef unsigned short WORD;',
      'typedef unsigned char BYTE;',
      'typedef unsigned long long UINT_PTR;',
      'typedef long long INT_PTR;',
      'typedef unsigned long long size_t;',
      'typedef unsigned short wchar_t;',
      '#define NULL ((void *)0)',
      '#define INVALID_HANDLE_VALUE ((HANDLE)(INT_PTR)-1)',
      '#define GENERIC_READ (0x80000000L)',
      '#define OPEN_EXISTING 3',
      '#define FILE_FLAG_OVERLAPPED 0x40000000',
      'HANDLE CreateFileW(const wchar_t *name, DWORD access, DWORD share, void *security, DWORD disposition, DWORD flags, HANDLE templateFile);',
      'BOOL DeviceIoControl(HANDLE device, DWORD code, void *in, DWORD inSize, void *out, DWORD outSize, DWORD *returned, void *overlapped);',
      'BOOL CloseHandle(HANDLE handle);',
    ].join('\n'),
  ),
  'winsock2.h': guarded(
    '_SHIM_WINSOCK2_H',
    [
      '#include <windows.h>',
      'typedef unsigned short u_short;',
      'typedef unsigned short ADDRESS_FAMILY;',
      'typedef UINT_PTR SOCKET;',
      'struct sockaddr { u_short sa_family; char sa_data[14]; };',
      '#define SOCK_STREAM 1',
      '#define SOCK_DGRAM 2',
      'SOCKET socket(int af, int type, int protocol);',
    ].join('\n'),
  ),
  'winioctl.h': guarded(
    '_SHIM_WINIOCTL_H',
    [
      '#include <windows.h>',
      '#define CTL_CODE(DeviceType, Function, Method, Access) (((DeviceType) << 16) | ((Access) << 14) | ((Function) << 2) | (Method))',
      '#define METHOD_BUFFERED 0',
      '#define FILE_ANY_ACCESS 0',
    ].join('\n'),
  ),
  'stddef.h': posixCommon['stddef.h'],
  'stdio.h': posixCommon['stdio.h'],
  'string.h': posixCommon['string.h'],
};

/** The ABI profile of every target in {@link targetNames}. */
export const targetProfiles: Readonly<Record<TargetName, TargetProfile>> = {
  'linux-x64': {
    name: 'linux-x64',
    triple: 'x86_64-unknown-linux-gnu',
    model: {
      sizes: lp64,
      aligns: lp64,
      charIsSigned: true,
      sizeType: 'unsigned long',
      wcharType: 'int',
    },
    predefined: {
      ...linuxPredefined,
      __x86_64__: '1',
      __x86_64: '1',
      __amd64__: '1',
      __amd64: '1',
      __SIZEOF_WCHAR_T__: '4',
      __SIZEOF_LONG_DOUBLE__: '16',
    },
    systemHeaders: linuxHeaders,
  },
  'linux-arm64': {
    name: 'linux-arm64',
    triple: 'aarch64-unknown-linux-gnu',
    model: {
      sizes: lp64,
      aligns: lp64,
      charIsSigned: false,
      sizeType: 'unsigned long',
      wcharType: 'unsigned int',
    },
    predefined: {
      ...linuxPredefined,
      __aarch64__: '1',
      __ARM_64BIT_STATE: '1',
      __CHAR_UNSIGNED__: '1',
      __SIZEOF_WCHAR_T__: '4',
      __SIZEOF_LONG_DOUBLE__: '16',
    },
    systemHeaders: linuxHeaders,
  },
  'darwin-x64': {
    name: 'darwin-x64',
    triple: 'x86_64-apple-macosx10.15',
    model: {
      sizes: lp64,
      aligns: lp64,
      charIsSigned: true,
      sizeType: 'unsigned long',
      wcharType: 'int',
    },
    predefined: {
      ...darwinPredefined,
      __x86_64__: '1',
      __x86_64: '1',
      __amd64__: '1',
      __amd64: '1',
      __SIZEOF_WCHAR_T__: '4',
      __SIZEOF_LONG_DOUBLE__: '16',
    },
    systemHeaders: darwinHeaders,
  },
  'darwin-arm64': {
    name: 'darwin-arm64',
    triple: 'arm64-apple-macosx11.0',
    model: {
      sizes: { ...lp64, 'long double': 8 },
      aligns: { ...lp64, 'long double': 8 },
      charIsSigned: true,
      sizeType: 'unsigned long',
      wcharType: 'int',
    },
    predefined: {
      ...darwinPredefined,
      __arm64__: '1',
      __aarch64__: '1',
      __SIZEOF_WCHAR_T__: '4',
      __SIZEOF_LONG_DOUBLE__: '8',
    },
    systemHeaders: darwinHeaders,
  },
  'win32-x64': {
    name: 'win32-x64',
    triple: 'x86_64-pc-windows-msvc',
    model: {
      sizes: llp64,
      aligns: llp64,
      charIsSigned: true,
      sizeType: 'unsigned long long',
      wcharType: 'unsigned short',
    },
    predefined: {
      // MSVC (and clang in MSVC mode) does not define __STDC__.
      ...Object.fromEntries(
        Object.entries(commonPredefined).filter(([name]) => name !== '__STDC__'),
      ),
      _WIN32: '1',
      _WIN64: '1',
      _M_X64: '100',
      _M_AMD64: '100',
      _MSC_VER: '1933',
      __SIZEOF_LONG__: '4',
      __SIZEOF_SIZE_T__: '8',
      __SIZEOF_WCHAR_T__: '2',
      __SIZEOF_LONG_DOUBLE__: '8',
    },
    systemHeaders: windowsHeaders,
  },
};

/** The ABI profile of a target name; throws `ERR_CODEGEN_UNKNOWN_TARGET` listing the known ones. */
export function getTargetProfile(name: string): TargetProfile {
  if (!(targetNames as readonly string[]).includes(name)) {
    throw new CodegenError(
      'ERR_CODEGEN_UNKNOWN_TARGET',
      `unknown target '${name}'; use one of: ${targetNames.join(', ')}`,
    );
  }
  return targetProfiles[name as TargetName];
}
