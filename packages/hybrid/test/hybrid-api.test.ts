/** The public API (`createServer`, `connect`, …) over HybridVsockTransport and a fake muxer. */
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import {
  connect,
  connectSeqpacket,
  createConnection,
  createDatagramSocket,
  createSeqpacketServer,
  createServer,
  type Transport,
} from '@vmci/sockets';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HybridVsockTransport } from '../src/index.js';
import { type FakeMuxer, startFakeMuxer } from './helpers/hybrid-muxer.js';

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

  it('connectSeqpacket rejects with ERR_VMCI_UNSUPPORTED naming the transport', async () => {
    expect((transport as Transport).connectSeqpacket).toBeUndefined();
    await expect(connectSeqpacket({ cid: 3, port: 1, transport })).rejects.toMatchObject({
      code: 'ERR_VMCI_UNSUPPORTED',
      message: expect.stringContaining("'hybrid' transport has no SEQPACKET"),
    });
    expect(muxer.requests).toEqual([]);
  });

  it('createSeqpacketServer throws ERR_VMCI_UNSUPPORTED naming the transport', () => {
    expect((transport as Transport).listenSeqpacket).toBeUndefined();
    expect(() => createSeqpacketServer({ transport })).toThrow(
      expect.objectContaining({
        code: 'ERR_VMCI_UNSUPPORTED',
        message: expect.stringContaining("'hybrid' transport has no SEQPACKET servers"),
      }),
    );
  });

  it('createDatagramSocket throws ERR_VMCI_UNSUPPORTED naming the transport', () => {
    expect((transport as Transport).bindDatagram).toBeUndefined();
    expect(() => createDatagramSocket({ transport })).toThrow(
      expect.objectContaining({
        code: 'ERR_VMCI_UNSUPPORTED',
        message: expect.stringContaining("'hybrid' transport has no datagram sockets"),
      }),
    );
  });
});
