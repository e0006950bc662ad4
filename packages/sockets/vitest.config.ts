import { defineConfig } from 'vitest/config';

// Host tests: never connect (see test-vm/ for the real-kernel suite that runs in the nested VM).
export default defineConfig({ test: { include: ['test/**/*.test.ts'] } });
