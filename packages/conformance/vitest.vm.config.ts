import { defineConfig } from 'vitest/config';

// Real-kernel suite: runs only inside the nested-VM harness (`pnpm test:vm`); each file refuses
// to run without the harness marker on /proc/cmdline.
export default defineConfig({
  test: { include: ['test-vm/**/*.test.ts'], testTimeout: 300_000, hookTimeout: 300_000 },
});
