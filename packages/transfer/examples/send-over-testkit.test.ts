import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useHypervisor } from '@vmci/testkit/vitest';
import { receiveFiles, sendFiles } from '@vmci/transfer';
import { expect, it } from 'vitest';

const hv = useHypervisor();

it('a guest sends a file to the host, checked end to end', async () => {
  const outbox = mkdtempSync(join(tmpdir(), 'outbox-'));
  const inbox = mkdtempSync(join(tmpdir(), 'inbox-'));
  writeFileSync(join(outbox, 'report.csv'), 'id,value\n1,42\n');
  const guest = hv().addVM({ cid: 3 });

  // The host receives one sender's files into `inbox`; VM 3 sends once the host listens.
  let sending: ReturnType<typeof sendFiles> | undefined;
  const received = await receiveFiles({
    dir: inbox,
    transport: hv().host.transport,
    onListening: ({ port }) => {
      const files = [join(outbox, 'report.csv')];
      sending = sendFiles({ cid: 'host', port, files, transport: guest.transport });
    },
  });
  const sent = await sending;

  // Both ends agree on what was stored: name, size and SHA-256.
  expect(sent?.sent.map((file) => file.sha256)).toEqual(received.stored.map((file) => file.sha256));
  expect(readFileSync(join(inbox, 'report.csv'), 'utf8')).toBe('id,value\n1,42\n');
});
