import { defineConfig } from 'vitest/config';

// Host tests: never connect (see test-vm/ for the real-kernel suite that runs in the nested VM).
// A hang guard, not a speed limit: child processes, koffi loads and servers take seconds on a loaded
// 2-core machine (CI shares 2 cores), past vitest's 5 s default.
export default defineConfig({
  test: { include: ['test/**/*.test.ts'], testTimeout: 300_000, hookTimeout: 300_000 },
});
