// Regenerates every binding of the repository: `pnpm codegen`; `pnpm codegen:check` proves the
// committed files current (CI runs it). Only a type is imported, so plain Node can load this file
// (vmci-codegen compiles a .ts config on its own; see packages/header-codegen/README.md).
import type { CodegenConfig } from './packages/header-codegen/src/config.js';

export default {
  outDir: 'packages/ffi/src/generated',
  // In this repository the root package.json's script runs vmci-codegen from the sources.
  regenerate: 'pnpm codegen',
  headers: [
    {
      // Debian's linux-libc-dev (the bootstrap installs it when missing).
      header: '/usr/include/linux/vm_sockets.h',
      targets: ['linux-x64', 'linux-arm64'],
      // The header uses _IO() without including it; applications include <sys/ioctl.h> first.
      preInclude: ['sys/ioctl.h'],
      allowSkips: ['_VM_SOCKETS_H'],
    },
    {
      // VMware's API as of the 2021 revision (clean-room restatement: Debian does not package the
      // real vmci_sockets.h). Gives macOS and Windows their constants and sockaddr_vm layouts.
      header: 'packages/header-codegen/fixtures/vmware/rev2021.h',
      name: 'vmci_sockets',
      targets: ['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64', 'win32-x64'],
      allowSkips: ['FIXTURE_VMCI_SOCKETS_2021_H'],
    },
  ],
} satisfies CodegenConfig;
