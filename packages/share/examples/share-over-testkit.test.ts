import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectShare, createShareServer } from '@vmci/share';
import { useHypervisor } from '@vmci/testkit/vitest';
import { expect, it } from 'vitest';

const hv = useHypervisor();

it('a guest reads and writes a host directory through the share', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'shared-'));
  writeFileSync(join(dir, 'config.json'), '{"mode":"test"}');
  const guest = hv().addVM({ cid: 3 });

  // The host shares the directory with VM 3 only…
  const share = createShareServer({ root: dir, allowFrom: [3], transport: hv().host.transport });
  const { port } = await share.listen(5640);

  // …and the guest uses it through the client API (a Linux guest would `vmci mount` it instead).
  const client = await connectShare({ cid: 'host', port, transport: guest.transport });
  expect(JSON.parse((await client.readFile('config.json')).toString())).toEqual({ mode: 'test' });
  await client.writeFile('result.txt', Buffer.from('done\n'));
  expect(readFileSync(join(dir, 'result.txt'), 'utf8')).toBe('done\n');

  client.close();
  await share.close();
});
