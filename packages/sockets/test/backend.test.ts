import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { detectBackend } from '../src/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const probe = `import('./src/kernel/backend.ts').then((m) => console.log(JSON.stringify(m.detectBackend())))`;
const runProbe = (args: string[], env: Record<string, string> = {}) => {
  const result = spawnSync(process.execPath, ['--import', 'tsx', ...args, '-e', probe], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, VMCI_BACKEND: '', ...env },
  });
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout.trim().split('\n').pop() as string);
};

it('picks the libuv pipe backend where process.binding works', () => {
  if (process.env.VMCI_BACKEND) return expect(detectBackend().reason).toMatch(/forced/);
  expect(detectBackend()).toEqual({
    backend: 'pipe',
    reason: "libuv streams via process.binding('pipe_wrap')",
  });
});

it('can be forced with VMCI_BACKEND', () => {
  expect(runProbe([], { VMCI_BACKEND: 'poll' })).toEqual({
    backend: 'poll',
    reason: 'forced by VMCI_BACKEND=poll',
  });
});

it('falls back to poll when pending deprecations throw', () => {
  expect(runProbe(['--pending-deprecation', '--throw-deprecation']).backend).toBe('poll');
});
