/** The public API (`createServer`, `connect`, …) over HybridVsockTransport and a fake muxer. */
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  connect,
  connectSeqpacket,
  createConnection,
  createDatagramSocket,
  createSeqpacketServer,
  createServer,
  HybridVsockTransport,
} from '../src/index.js';
import { type FakeMuxer, startFakeMuxer } from './hybrid-muxer.js';

describe('public API over HybridVsockTransport', () => {
  let muxer: FakeMuxer;
  let transport: HybridVsockTransport;

  beforeEach(async () => {
    muxer = await startFakeMuxer();
    transport = new HybridVsockTransport({ udsPath: muxer.udsPath });
  });

  afterEach(async () => {
    await muxer.close();
  });

  it('connect({ transport }) reaches the guest listener', async () => {
    muxer.guestListen(52, (guest) => guest.pipe(guest));
    const socket = await connect({ cid: 3, port: 52, transport, connectTimeout: 1000 });
    const echoed = once(socket, 'data');
    socket.write('ping');
    expect(String((await echoed)[0])).toBe('ping');
    socket.destroy();
  });

  it('createConnection({ transport }) buffers writes until connected', async () => {
    muxer.guestListen(53, (guest) => guest.pipe(guest));
    const socket = createConnection({ cid: 3, port: 53, transport });
    expect(socket.connecting).toBe(true);
    socket.write('written while connecting');
    const [data] = await once(socket, 'data');
    expect(String(data)).toBe('written while connecting');
    expect(socket.remoteCid).toBe(3);
    socket.destroy();
  });

  it('createServer({ transport }) serves guest connections and removes its file on close', async () => {
    const server = createServer({ transport }, (socket) =>
      socket.end(`hi guest ${socket.remoteCid}`),
    );
    const address = await server.listenAsync({ port: 1024 });
    expect(address).toEqual({ cid: 0xffffffff, port: 1024 });
    const guest = await muxer.guestConnect(1024);
    const [data] = await once(guest, 'data');
    expect(String(data)).toBe('hi guest 3');
    guest.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(existsSync(`${muxer.udsPath}_1024`)).toBe(false);
  });

  it('createServer().listen() without a port emits ERR_VMCI_UNSUPPORTED', async () => {
    const server = createServer({ transport });
    await expect(server.listenAsync()).rejects.toMatchObject({ code: 'ERR_VMCI_UNSUPPORTED' });
  });

  it('connectSeqpacket rejects with ERR_VMCI_UNSUPPORTED', async () => {
    await expect(connectSeqpacket({ cid: 3, port: 1, transport })).rejects.toMatchObject({
      code: 'ERR_VMCI_UNSUPPORTED',
    });
    expect(muxer.requests).toEqual([]);
  });

  it('a seqpacket server fails to listen with ERR_VMCI_UNSUPPORTED', async () => {
    const server = createSeqpacketServer({ transport });
    await expect(server.listenAsync({ port: 1 })).rejects.toMatchObject({
      code: 'ERR_VMCI_UNSUPPORTED',
    });
  });

  it('binding a datagram socket rejects with ERR_VMCI_UNSUPPORTED', async () => {
    const socket = createDatagramSocket({ transport });
    await expect(socket.bind({ port: 1 })).rejects.toMatchObject({
      code: 'ERR_VMCI_UNSUPPORTED',
    });
  });
});
