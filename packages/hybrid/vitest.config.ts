import { defineConfig } from 'vitest/config';

// Unix sockets and a fake VMM muxer only: never AF_VSOCK.
// examples/*.test.ts are the README's examples: they run with the package's tests.
// A hang guard, not a speed limit: child processes and servers take seconds on a loaded 2-core
// machine (CI shares 2 cores), past vitest's 5 s default.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'examples/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});
