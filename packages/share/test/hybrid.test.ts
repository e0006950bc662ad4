/**
 * The share over hybrid vsock (Firecracker / cloud-hypervisor): the server listens through
 * `HybridVsockTransport` on `<uds_path>_<port>`, where the VMM delivers a guest's connections, and
 * a client connects through the VMM's `CONNECT <port>` handshake. A fake VMM on a Unix socket plays
 * the device: it answers `OK` and carries the stream to the host listener, as a guest connecting
 * to the host would arrive. Unix sockets only, no AF_VSOCK.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { HybridVsockTransport } from '@vmci/hybrid';
import { afterEach, beforeEach, expect, it } from 'vitest';
import {
  connectShare,
  createShareServer,
  type ShareClient,
  type ShareServer,
} from '../src/index.js';
import { makeSandbox, type Sandbox } from './helpers.js';

const sharePort = 564;
let box: Sandbox;
let vmm: net.Server;
let transport: HybridVsockTransport;
let server: ShareServer | undefined;
let client: ShareClient | undefined;
const handshakes: string[] = [];

beforeEach(async () => {
  box = makeSandbox();
  handshakes.length = 0;
  const udsPath = path.join(box.base, 'v.sock');
  transport = new HybridVsockTransport({ udsPath, guestCid: 3 });
  // The fake VMM: `CONNECT <port>\n` → `OK <hostport>\n`, then the stream goes to the listener a
  // guest connection to that port would reach (<uds_path>_<port>).
  vmm = net.createServer((connection) => {
    connection.once('data', (line) => {
      handshakes.push(line.toString());
      const port = Number(/^CONNECT (\d+)\n$/.exec(line.toString())?.[1]);
      const upstream = net.connect(transport.listenPath(port), () => {
        connection.write('OK 1073741824\n');
        connection.pipe(upstream).pipe(connection);
      });
      upstream.on('error', () => connection.destroy());
      connection.on('error', () => upstream.destroy());
    });
  });
  vmm.listen(udsPath);
  await once(vmm, 'listening');
});

afterEach(async () => {
  client?.close();
  await server?.close();
  vmm.close();
  box.remove();
  client = undefined;
  server = undefined;
});

it('serves a directory through the VMM: write, read back, list, rename, remove', async () => {
  server = createShareServer({ root: box.root, transport });
  expect(await server.listen(sharePort)).toMatchObject({ port: sharePort });
  client = await connectShare({ cid: 3, port: sharePort, transport });
  expect(handshakes).toEqual([`CONNECT ${sharePort}\n`]);

  const data = Buffer.alloc(2 * client.messageSize + 17, 0x5a);
  await client.writeFile('dir/big.bin', data);
  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  expect(sha(fs.readFileSync(path.join(box.root, 'dir/big.bin')))).toBe(sha(data));
  expect(sha(await client.readFile('dir/big.bin'))).toBe(sha(data));
  const names = (await client.readdir('dir')).map((entry) => entry.name);
  expect(names.sort()).toEqual(['big.bin', 'file']);
  await client.rename('dir/big.bin', 'moved.bin');
  await client.unlink('moved.bin');
  expect(fs.existsSync(path.join(box.root, 'moved.bin'))).toBe(false);
});

it('keeps the root closed over hybrid vsock too: `..` and links lead nowhere outside', async () => {
  server = createShareServer({ root: box.root, transport });
  await server.listen(sharePort);
  client = await connectShare({ cid: 3, port: sharePort, transport });
  const before = box.snapshotOutside();
  await expect(client.readFile('../outside/secret')).rejects.toMatchObject({ code: 'ENOENT' });
  await expect(client.readFile('escape/secret')).rejects.toMatchObject({ code: 'ENOENT' });
  await expect(client.readFile('secret-link')).rejects.toMatchObject({ code: 'ELOOP' });
  expect(box.snapshotOutside()).toEqual(before);
});

it('refuses writes with EROFS when read-only', async () => {
  server = createShareServer({ root: box.root, transport, readOnly: true });
  await server.listen(sharePort);
  client = await connectShare({ cid: 3, port: sharePort, transport });
  expect((await client.readFile('hello.txt')).toString()).toBe('hello\n');
  await expect(client.writeFile('new.txt', Buffer.from('x'))).rejects.toMatchObject({
    code: 'EROFS',
  });
  expect(fs.existsSync(path.join(box.root, 'new.txt'))).toBe(false);
});
