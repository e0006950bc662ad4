/**
 * SEQPACKET message sockets on the real kernel: boundaries, end of stream, the 256 KiB limit.
 */
import { once } from 'node:events';
import { requireHarnessGuest } from '@vmci/ffi/harness';
import { afterEach, expect, it } from 'vitest';
import {
  connectSeqpacket,
  createSeqpacketServer,
  type VsockMessageSocket,
  type VsockSeqpacketServer,
} from '../src/index.js';

requireHarnessGuest();

const servers: VsockSeqpacketServer[] = [];
const sockets: VsockMessageSocket[] = [];
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const server of servers.splice(0)) if (server.listening) server.close();
});

async function pair(): Promise<[VsockMessageSocket, VsockMessageSocket]> {
  let accepted!: (socket: VsockMessageSocket) => void;
  const serverSide = new Promise<VsockMessageSocket>((resolve) => {
    accepted = resolve;
  });
  const server = createSeqpacketServer((socket) => {
    sockets.push(socket);
    accepted(socket);
  });
  servers.push(server);
  const { port } = await server.listenAsync();
  const client = await connectSeqpacket({ cid: 'local', port });
  sockets.push(client);
  return [await serverSide, client];
}

it('delivers each send as one message, in order', async () => {
  const [server, client] = await pair();
  const received: string[] = [];
  server.on('message', (data) => received.push(data.toString()));
  await Promise.all(['a', 'bb', 'ccc'].map((m) => client.send(m)));
  client.end();
  await once(server, 'end');
  expect(received).toEqual(['a', 'bb', 'ccc']);
});

it('refuses an empty message, which the receiver could not tell from end of stream', async () => {
  const [, client] = await pair();
  await expect(client.send('')).rejects.toMatchObject({ code: 'ERR_VMCI_INVALID_ARGUMENT' });
});

it('iterates messages until the peer ends', async () => {
  const [server, client] = await pair();
  const done = (async () => {
    const out: string[] = [];
    for await (const message of server) out.push(message.toString());
    return out;
  })();
  await client.send('one');
  await client.send('two');
  client.end();
  expect(await done).toEqual(['one', 'two']);
});

it('carries a 256 KiB message whole', async () => {
  const [server, client] = await pair();
  const payload = Buffer.alloc(256 * 1024, 9);
  const received = once(server, 'message');
  await client.send(payload);
  const [data] = (await received) as [Buffer];
  expect(data.equals(payload)).toBe(true);
});

it('rejects a message above the limit with ERR_VMCI_MESSAGE_TOO_LARGE', async () => {
  const [, client] = await pair();
  await expect(client.send(Buffer.alloc(256 * 1024 + 1))).rejects.toMatchObject({
    code: 'ERR_VMCI_MESSAGE_TOO_LARGE',
  });
});

it('reports MSG_EOR to the receiver', async () => {
  const [server, client] = await pair();
  const received = once(server, 'message');
  await client.send('record', { endOfRecord: true });
  const [, info] = (await received) as [Buffer, { endOfRecord: boolean }];
  expect(info.endOfRecord).toBe(true);
});

it('closes both sides after both end', async () => {
  const [server, client] = await pair();
  server.on('end', () => server.end());
  client.end();
  await Promise.all([once(server, 'close'), once(client, 'close')]);
});
