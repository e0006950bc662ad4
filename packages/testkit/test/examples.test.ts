/**
 * The README's multi-process and manual-clock examples (examples/*.ts), run as they are.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { connectTimesOutAt } from '../examples/faults-clock.js';
import { askGuestProcess } from '../examples/served-hypervisor.js';
import { noVsockGuard } from '../src/index.js';
import { childTestTimeoutMs } from './helpers/child.js';
import { packageRoot } from './helpers/served.js';

it(
  'served-hypervisor.ts: a guest process joined by VMCI_TRANSPORT answers the host',
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vmci-example-'));
    try {
      const answer = await askGuestProcess(
        join(dir, 'hv.sock'),
        join(packageRoot, 'examples/guest-status.ts'),
        await noVsockGuard(),
      );
      expect(answer).toBe('ok\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
  childTestTimeoutMs,
);

it('faults-clock.ts: the connect times out exactly at the timeout on the manual clock', async () => {
  expect(await connectTimesOutAt(2000)).toEqual([
    'still connecting at 1999 ms',
    'ETIMEDOUT at 2000 ms',
  ]);
});
