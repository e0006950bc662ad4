/**
 * The README's example (examples/probe.ts, kept identical to the README by the root docs test). It
 * only creates, binds and listens, but it is written for a VM, so it runs here in the nested VM and
 * is only type-checked on the host.
 */
import { afterEach, expect, it, vi } from 'vitest';
import { requireHarnessGuest } from '../src/harness.js';

requireHarnessGuest();

afterEach(() => {
  vi.restoreAllMocks();
});

it('examples/probe.ts finds AF_VSOCK and CID 1 and listens on a port the kernel picked', async () => {
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  const error = vi.spyOn(console, 'error').mockImplementation(() => {});
  await import('../examples/probe.js');
  expect(error).not.toHaveBeenCalled();
  expect(log.mock.calls).toEqual([
    ['AF_VSOCK =', 40, 'local CID =', 1],
    ['listening on port', expect.any(Number)],
  ]);
  expect(log.mock.calls[1]?.[1]).not.toBe(0xffffffff);
});
