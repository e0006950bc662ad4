import { defineConfig } from 'vitest/config';

// examples/*.test.ts are the README's vitest examples: they run with the package's tests.
// A hang guard, not a speed limit: servers, relays and child processes take seconds on a loaded
// 2-core machine (CI shares 2 cores), past vitest's 5 s default.
export default defineConfig({
  test: { include: ['test/**/*.test.ts', 'examples/**/*.test.ts'], testTimeout: 60_000 },
});
