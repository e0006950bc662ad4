/**
 * What startProxy's messages call its options: their own names (`maxConnections`), or the labels
 * the caller gives (`vmci proxy` passes its flags, tested in @vmci/cli). The refused event's
 * message is checked with the limit itself (limits.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { tcpToVm3, useProxyFixture } from './helpers/proxy.js';

describe('startProxy messages', () => {
  const { proxy: start } = useProxyFixture();

  it('names a bad limit by its option name', async () => {
    await expect(start({ ...tcpToVm3, maxConnections: 0 })).rejects.toMatchObject({
      code: 'ERR_VMCI_INVALID_ARGUMENT',
      message: 'vmci proxy: maxConnections must be a positive whole number, got 0',
    });
    await expect(start({ ...tcpToVm3, idleTimeoutMs: 1.5 })).rejects.toMatchObject({
      message: 'vmci proxy: idleTimeoutMs must be a positive whole number, got 1.5',
    });
  });

  it('says which options allow a target when none is allowed', async () => {
    await expect(start({ from: 'tcp:0', to: 'vsock:3:80' })).rejects.toMatchObject({
      code: 'ERR_VMCI_INVALID_ARGUMENT',
      message:
        'vmci proxy: outbound targets are denied by default; allow this one with allow vsock:3:80, or list allowed targets in a file (one per line) and pass allowlistFile FILE',
    });
    await expect(
      start({ from: 'tcp:0', to: 'vsock:3:22', allow: ['vsock:3:80'] }),
    ).rejects.toMatchObject({
      message:
        'vmci proxy: the target vsock:3:22 is not allowed: no rule in allow allows it; to allow it, pass allow vsock:3:22',
    });
  });

  it('names endpoints and source rules by their option names', async () => {
    await expect(start({ from: 'tcp:0', to: 'vsock:80', allow: ['vsock:3:80'] })).rejects.toThrow(
      /^vmci proxy: to 'vsock:80': /,
    );
    await expect(
      start({ ...tcpToVm3, from: 'unix:/tmp/x.sock', allowFrom: ['vsock:3'] }),
    ).rejects.toThrow(/^vmci proxy: allowFrom does not apply to a Unix socket listener/);
    await expect(start({ ...tcpToVm3, allowFrom: ['vsock:x'] })).rejects.toThrow(
      /^vmci proxy: allowFrom 'vsock:x': /,
    );
  });

  it('uses the labels it is given instead', async () => {
    const optionLabels = { maxConnections: '--max-connections', allow: '--allow' };
    await expect(start({ ...tcpToVm3, maxConnections: -1, optionLabels })).rejects.toMatchObject({
      message: 'vmci proxy: --max-connections must be a positive whole number, got -1',
    });
    await expect(
      start({ from: 'tcp:0', to: 'vsock:3:22', allow: ['vsock:3:80'], optionLabels }),
    ).rejects.toMatchObject({
      message:
        'vmci proxy: the target vsock:3:22 is not allowed: no rule in --allow allows it; to allow it, pass --allow vsock:3:22',
    });
  });
});
