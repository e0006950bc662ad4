import { defineConfig } from 'vitest/config';

// Host runs of the suite (testkit, hybrid vsock): never AF_VSOCK (test-vm/ holds the kernel runs).
// examples/*.test.ts are the README's examples: they run with the package's tests.
// A hang guard, not a speed limit: child processes, koffi loads and servers take seconds on a loaded
// 2-core machine (CI shares 2 cores), past vitest's 5 s default.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'examples/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});
