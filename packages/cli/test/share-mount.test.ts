/**
 * `vmci share` on the testkit's virtual hypervisor (a guest reads and writes through the client
 * API), and the usage errors of `vmci share` / `vmci mount` (the mount itself runs in the nested
 * VM: packages/share/test-vm).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectShare } from '@vmci/share';
import { useHypervisor } from '@vmci/testkit/vitest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../src/main.js';
import { streamIo } from './helpers/stream-io.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmci-share-cli-'));
  fs.writeFileSync(path.join(dir, 'a.txt'), 'from the host\n');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('vmci share', () => {
  const hv = useHypervisor();

  it('serves a directory until interrupted; --allow-from admits only the named VM', async () => {
    const guest = hv().addVM({ cid: 3 });
    const other = hv().addVM({ cid: 4 });
    const { io, errors } = streamIo('');
    const controller = new AbortController();
    const done = main(['share', dir, '--port', '5640', '--allow-from', 'vsock:3'], io, {
      transport: hv().host.transport,
      signal: controller.signal,
    });
    await expect.poll(() => errors()).toContain('sharing');
    expect(errors()).toContain(`sharing ${dir} on vsock any:5640 for CID 3`);
    const client = await connectShare({ cid: 'host', port: 5640, transport: guest.transport });
    expect((await client.readFile('a.txt')).toString()).toBe('from the host\n');
    await client.writeFile('b.txt', Buffer.from('from the guest\n'));
    expect(fs.readFileSync(path.join(dir, 'b.txt'), 'utf8')).toBe('from the guest\n');
    client.close();
    await expect(
      connectShare({ cid: 'host', port: 5640, transport: other.transport }),
    ).rejects.toMatchObject({
      code: 'EACCES',
    });
    controller.abort();
    expect(await done).toBe(0);
  });

  it('--read-only refuses writes with EROFS', async () => {
    const guest = hv().addVM({ cid: 3 });
    const { io, errors } = streamIo('');
    const controller = new AbortController();
    const done = main(['share', dir, '--port', '5641', '--read-only'], io, {
      transport: hv().host.transport,
      signal: controller.signal,
    });
    await expect.poll(() => errors()).toContain('(read-only)');
    const client = await connectShare({ cid: 'host', port: 5641, transport: guest.transport });
    await expect(client.writeFile('b.txt', Buffer.from('x'))).rejects.toMatchObject({
      code: 'EROFS',
    });
    client.close();
    controller.abort();
    expect(await done).toBe(0);
  });

  // Every case passes the testkit transport, so nothing here can reach the kernel: `vmci mount`
  // refuses a non-kernel transport before anything else.
  it('usage errors exit 2 with one sentence', async () => {
    for (const argv of [
      ['share', path.join(dir, 'missing')],
      ['share', dir, '--allow-from', 'tcp:1.2.3.4'],
      ['mount', '2:5640', path.join(dir, 'missing')],
      ['mount', 'nonsense', dir],
    ]) {
      const { io, errors } = streamIo('');
      expect(await main(argv, io, { transport: hv().host.transport })).toBe(2);
      expect(errors().trim().split('\n')).toHaveLength(1);
      expect(errors()).toMatch(/^vmci( share| mount)?: /);
    }
    const { io, errors } = streamIo('');
    await main(['mount', '2:5640', dir], io, { transport: hv().host.transport });
    expect(errors()).toContain('the kernel mounts over a kernel vsock connection');
  });
});
