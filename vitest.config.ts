import { defineConfig } from 'vitest/config';

// Root-level tests (the docs checks in test/); every package has its own vitest.config.ts.
export default defineConfig({
  test: { include: ['test/**/*.test.ts'], testTimeout: 300_000, hookTimeout: 300_000 },
});
