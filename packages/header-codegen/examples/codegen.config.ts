// codegen.config.ts
import type { CodegenConfig } from '@vmci/header-codegen';

export default {
  outDir: 'src/generated',
  headers: [
    {
      header: 'vendor/vmci_sockets.h', // a copy of the SDK header, or its absolute path
      targets: ['linux-x64', 'darwin-arm64', 'win32-x64'],
    },
  ],
} satisfies CodegenConfig;
