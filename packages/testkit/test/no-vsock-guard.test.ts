/**
 * The guard host tests run joined processes under: creating an AF_VSOCK socket fails inside it.
 * (Creating one is allowed on this machine, so the unguarded control is safe: nothing connects.)
 */
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { noVsockGuard } from '../src/index.js';
import { childTestTimeoutMs, runChild } from './helpers/child.js';
import { packageRoot } from './helpers/served.js';

const fixture = join(packageRoot, 'test/fixtures/create-vsock.ts');

it(
  'makes socket(AF_VSOCK) fail with EAFNOSUPPORT in the guarded process',
  async () => {
    const guard = await noVsockGuard();
    const result = await runChild(guard, [process.execPath, '--import', 'tsx', fixture], {
      cwd: packageRoot,
    });
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('EAFNOSUPPORT\n');
    expect(result.status).toBe(0);
  },
  childTestTimeoutMs,
);

it(
  'leaves the same process unguarded able to create one (the control)',
  async () => {
    const result = await runChild(process.execPath, ['--import', 'tsx', fixture], {
      cwd: packageRoot,
    });
    expect(result.stdout).toBe('created\n');
  },
  childTestTimeoutMs,
);
