/**
 * SEQPACKET and datagrams over the served wire: a `RemoteTransport` joins a hypervisor this test
 * owns and serves (the wire and the bridges are the ones another process uses), and what crosses
 * behaves as in-process — boundaries and end-of-record marks kept, staged truncations carried,
 * oversize messages refused, datagrams queued and dropped where the owning process keeps them.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CID_ANY,
  connect,
  connectSeqpacket,
  createDatagramSocket,
  createSeqpacketServer,
  createServer,
  PORT_ANY,
  type VsockAddress,
  type VsockMessageSocket,
} from '@vmci/sockets';
import type { DatagramChannel } from '@vmci/sockets/transport';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakeDatagramChannel } from '../src/channels.js';
import { createHypervisor, type Hypervisor } from '../src/index.js';
import { portKey } from '../src/ports.js';
import type { HypervisorServer } from '../src/remote.js';
import { RemoteTransport } from '../src/remote.js';

let hypervisor: Hypervisor;
let served: HypervisorServer;
let dir: string;
let vm3: RemoteTransport;
let host: RemoteTransport;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vmci-hv-messages-'));
  hypervisor = createHypervisor({ seed: 5 });
  hypervisor.addVM({ cid: 3 });
  served = await hypervisor.serve(join(dir, 'hv.sock'));
  vm3 = new RemoteTransport({ path: served.path, cid: 3 });
  host = new RemoteTransport({ path: served.path, cid: 2 });
});
afterEach(async () => {
  await served.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A joined host server and a joined VM 3 client: [accepted, client]. */
async function messagePair(): Promise<[VsockMessageSocket, VsockMessageSocket]> {
  let accept!: (socket: VsockMessageSocket) => void;
  const accepted = new Promise<VsockMessageSocket>((resolve) => {
    accept = resolve;
  });
  const server = createSeqpacketServer({ transport: host }, accept);
  const { port } = await server.listenAsync();
  const client = await connectSeqpacket({ cid: 2, port, transport: vm3 });
  const socket = await accepted;
  server.close();
  return [socket, client];
}

describe('SEQPACKET over the served wire', () => {
  it('keeps boundaries and end-of-record marks, both ways, and reaches the trace here', async () => {
    const [server, client] = await messagePair();
    const received: string[] = [];
    server.on('message', (data, { endOfRecord }) => {
      received.push(`${data}${endOfRecord ? '|eor' : ''}`);
      if (received.length === 3) void server.send(`got ${received.length}`);
    });
    const reply = once(client, 'message');
    await client.send('a');
    await client.send(Buffer.alloc(70_000, 'b'), { endOfRecord: true });
    await client.send('ccc');
    expect(String((await reply)[0])).toBe('got 3');
    expect(received).toEqual(['a', `${'b'.repeat(70_000)}|eor`, 'ccc']);
    expect(hypervisor.trace()).toContain('connect seqpacket 3 → 2:');
    client.destroy();
    server.destroy();
  });

  it('carries a truncation staged in the owning process as the same typed error', async () => {
    const [server, client] = await messagePair();
    hypervisor.faults.truncateNextMessages(1, 4, { from: 3 });
    const events: string[] = [];
    server.on('error', (error: Error & { code?: string }) => {
      events.push(`${error.code}: ${error.message}`);
    });
    const second = new Promise((resolve) =>
      server.on('message', (data: Buffer) => resolve(events.push(`message ${data}`))),
    );
    await client.send('a message too long for the reader');
    await client.send('next');
    await second;
    expect(events).toEqual([
      'ERR_VMCI_MESSAGE_TRUNCATED: a 33-byte message arrived but only 4 bytes could be received; the rest was dropped by the kernel',
      'message next',
    ]);
    client.destroy();
    server.destroy();
  });

  it("refuses a message larger than the receiver's buffer before it crosses, like in-process", async () => {
    const server = createSeqpacketServer({ transport: host });
    const { port } = await server.listenAsync();
    const joined = await connectSeqpacket({ cid: 2, port, transport: vm3, bufferSize: 1 << 20 });
    const local = await connectSeqpacket({
      cid: 2,
      port,
      transport: hypervisor.vm(3).transport,
      bufferSize: 1 << 20,
    });
    const oversize = Buffer.alloc(300 * 1024);
    const [remoteError, localError] = await Promise.all([
      joined.send(oversize).catch((e: unknown) => e),
      local.send(oversize).catch((e: unknown) => e),
    ]);
    expect(remoteError).toMatchObject({ code: 'ERR_VMCI_MESSAGE_TOO_LARGE' });
    expect((remoteError as { cause?: unknown }).cause).toMatchObject({ code: 'EMSGSIZE' });
    expect((remoteError as Error).message).toBe((localError as Error).message);
    joined.destroy();
    local.destroy();
    server.close();
  });

  it('resets a joined connection when the owner powers the VM off', async () => {
    const [server, client] = await messagePair();
    const failed = Promise.all([once(client, 'error'), once(server, 'error')]);
    hypervisor.vm(3).powerOff();
    const [[clientError], [serverError]] = await failed;
    expect(clientError).toMatchObject({ code: 'ECONNRESET' });
    expect(serverError).toMatchObject({ code: 'ECONNRESET' });
    expect((serverError as Error).message).toContain('vm3 was powered off');
  });
});

/** Every datagram queued for `channel`, read as it comes, until one with `last` as its text. */
async function receiveUntil(channel: DatagramChannel, last: string): Promise<Buffer[]> {
  const received: Buffer[] = [];
  for (;;) {
    const datagram = channel.receive();
    if (datagram) {
      if (datagram.data.toString() === last) return received;
      received.push(datagram.data);
    } else await new Promise<void>((resolve) => channel.wait('readable', resolve));
  }
}

describe('datagrams over the served wire', () => {
  it('delivers with the sender address, both ways', async () => {
    const receiver = createDatagramSocket({ transport: host });
    const { port } = await receiver.bind({ port: 9000 });
    const sender = createDatagramSocket({ transport: vm3 });
    const received = once(receiver, 'message');
    await sender.send('status?', 'host', port);
    const [data, from] = (await received) as [Buffer, VsockAddress];
    expect(data.toString()).toBe('status?');
    expect(from).toEqual(sender.address());
    expect(sender.address()?.cid).toBe(3);
    const answer = once(sender, 'message');
    await receiver.send('ok', from.cid, from.port);
    expect(String(((await answer) as [Buffer])[0])).toBe('ok');
    sender.close();
    receiver.close();
  });

  it('drops what does not fit the unread queue as in-process: handed over but unread still counts', async () => {
    const sender = await hypervisor
      .vm(3)
      .transport.bindDatagramChannel({ cid: CID_ANY, port: PORT_ANY });
    /** 40 datagrams of 60,000 bytes (numbered in their first byte) to the host's `port`. */
    const flood = (port: number) => {
      for (let i = 0; i < 40; i++) sender.send(Buffer.alloc(60_000, i), { cid: 2, port });
    };

    // In-process: two floods while the receiver reads nothing; what fits the queue is kept.
    const local = await hypervisor.host.transport.bindDatagramChannel({ cid: CID_ANY, port: 7001 });
    flood(7001);
    flood(7001);
    const localReceived = receiveUntil(local, 'done');
    sender.send(Buffer.from('done'), { cid: 2, port: 7001 });
    const kept = (await localReceived).length;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(40);

    // Joined: the owner hands what it kept to the joined end, which reads nothing yet; the second
    // flood still finds the queue full, because those datagrams are not read (acknowledged) yet.
    const joined = await host.bindDatagramChannel({ cid: CID_ANY, port: 7002 });
    flood(7002);
    const queue = hypervisor.host.ports.get(portKey('dgram', 7002)) as FakeDatagramChannel;
    while (queue.inbox.items.length > 0) await new Promise((resolve) => setImmediate(resolve));
    flood(7002);
    const joinedReceived = receiveUntil(joined, 'done');
    sender.send(Buffer.from('done'), { cid: 2, port: 7002 });
    const got = await joinedReceived;
    expect(got.length).toBe(kept);
    expect(got.map((data) => data[0])).toEqual([...Array(kept).keys()]);
    sender.close();
    local.close();
    joined.close();
  });

  it('refuses a datagram above the VMCI limit, as in-process', async () => {
    const sender = createDatagramSocket({ transport: vm3 });
    await expect(sender.send(Buffer.alloc(65_513), 'host', 1)).rejects.toMatchObject({
      code: 'ERR_VMCI_MESSAGE_TOO_LARGE',
    });
    sender.close();
  });
});

describe('a joined end that closes right after writing', () => {
  // The owning process may still hold part of what was written (behind the peer's full buffer)
  // when the close arrives: it is delivered first, as close(2) on the kernel does.
  it('stream: every byte it wrote reaches the peer, then end of stream', async () => {
    const chunks: Buffer[] = [];
    let ended!: Promise<unknown>;
    const server = createServer({ transport: hypervisor.host.transport }, (peer) => {
      peer.on('data', (chunk: Buffer) => chunks.push(chunk));
      ended = once(peer, 'end');
    });
    const { port } = await server.listenAsync();
    const client = await connect({ cid: 2, port, transport: vm3 });
    // The peer grants no credit: what crosses the wire waits in the owning process.
    const release = hypervisor.stallCredit({ to: 2 });
    const data = randomBytes(40_000);
    client.write(data);
    client.destroy();
    // Let the owning process take the data and the close off the wire, then let data flow.
    for (let i = 0; i < 50; i++) await new Promise((resolve) => setImmediate(resolve));
    release();
    while (!ended) await new Promise((resolve) => setImmediate(resolve));
    await ended;
    expect(Buffer.concat(chunks).equals(data)).toBe(true);
    server.close();
  });

  it('SEQPACKET: every message it sent reaches the peer, then end of stream', async () => {
    const received: number[] = [];
    let ended!: Promise<unknown>;
    const server = createSeqpacketServer({ transport: hypervisor.host.transport }, (peer) => {
      peer.on('message', (data) => received.push(data[0] as number));
      ended = once(peer, 'end');
    });
    const { port } = await server.listenAsync();
    const client = await connectSeqpacket({ cid: 2, port, transport: vm3 });
    const release = hypervisor.stallCredit({ to: 2 });
    const sent = Promise.all(
      Array.from({ length: 8 }, (_, i) => client.send(Buffer.alloc(1000, i))),
    );
    client.end();
    await sent;
    client.destroy();
    for (let i = 0; i < 50; i++) await new Promise((resolve) => setImmediate(resolve));
    release();
    while (!ended) await new Promise((resolve) => setImmediate(resolve));
    await ended;
    expect(received).toEqual([...Array(8).keys()]);
    server.close();
  });
});
