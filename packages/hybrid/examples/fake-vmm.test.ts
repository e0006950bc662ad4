// Runnable (`npx vitest run`): a fake Firecracker VMM on a Unix socket, the guest behind it an echo
// server, and the host connecting to guest port 52 through HybridVsockTransport. No AF_VSOCK.
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HybridVsockTransport } from '@vmci/hybrid';
import { connect } from '@vmci/sockets';
import { expect, it } from 'vitest';

it('connects to guest port 52 through the VMM', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hybrid-example-'));
  const udsPath = join(dir, 'v.sock');
  // The VMM reads `CONNECT 52\n`, answers `OK <hostport>\n`, then carries the guest's stream.
  const requests: string[] = [];
  const vmm = net.createServer((connection) => {
    connection.once('data', (line) => {
      requests.push(line.toString());
      connection.write('OK 1073741824\n');
      connection.pipe(connection); // the guest echoes
    });
  });
  vmm.listen(udsPath);
  await once(vmm, 'listening');

  const transport = new HybridVsockTransport({ udsPath, guestCid: 3 });
  const socket = await connect({ cid: 3, port: 52, transport });
  expect([socket.remoteCid, socket.remotePort, socket.localCid]).toEqual([3, 52, 2]);
  const echoed: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => echoed.push(chunk));
  socket.end('hello guest');
  await once(socket, 'close');

  expect(requests).toEqual(['CONNECT 52\n']);
  expect(Buffer.concat(echoed).toString()).toBe('hello guest');
  vmm.close();
  rmSync(dir, { recursive: true, force: true });
});
