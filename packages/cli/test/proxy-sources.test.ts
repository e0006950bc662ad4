/**
 * `vmci proxy --allow-from`: bad rules are usage errors (what the rules do is tested in
 * @vmci/proxy).
 */
import { useHypervisor } from '@vmci/testkit/vitest';
import { describe, expect, it } from 'vitest';
import { main } from '../src/main.js';
import { streamIo } from './helpers/stream-io.js';

describe('vmci proxy --allow-from', () => {
  const hv = useHypervisor();

  it.each([
    [['--allow-from', 'vsock:three'], "--allow-from 'vsock:three': not a CID"],
    [
      ['--allow-from', 'tcp:10.0.0.0/8'],
      "the listener is vsock, so rules must start with 'vsock:'",
    ],
    [
      ['--allow-from', 'vsock:3', '--from', 'unix:/tmp/x.sock'],
      'does not apply to a Unix socket listener',
    ],
  ])('refuses %j with a usage error (exit 2)', async (extra, message) => {
    const hasFrom = extra.includes('--from');
    const argv = [
      'proxy',
      ...(hasFrom ? [] : ['--from', 'vsock:0']),
      '--to',
      'tcp:127.0.0.1:1',
      '--allow',
      'tcp:127.0.0.1:1',
      ...extra,
    ];
    const { io, errors } = streamIo('');
    expect(await main(argv, io, { transport: hv().host.transport })).toBe(2);
    expect(errors()).toContain(message);
  });

  it('refuses a bad subnet prefix (exit 2)', async () => {
    const { io, errors } = streamIo('');
    const argv = [
      'proxy',
      '--from',
      'tcp:0',
      '--to',
      'vsock:3:1',
      '--allow',
      'vsock:3:1',
      '--allow-from',
      'tcp:10.0.0.0/40',
    ];
    expect(await main(argv, io, { transport: hv().host.transport })).toBe(2);
    expect(errors()).toContain('/40 is not a prefix length for IPv4');
  });
});
