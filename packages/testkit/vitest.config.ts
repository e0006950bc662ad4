import { defineConfig } from 'vitest/config';

// examples/*.test.ts are the README's vitest examples: they run with the package's tests.
export default defineConfig({ test: { include: ['test/**/*.test.ts', 'examples/**/*.test.ts'] } });
