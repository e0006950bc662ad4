/** HybridVsockTransport listeners: guest-initiated connects arrive on `<udsPath>_<port>`. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, lstatSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import {
  CID_ANY,
  createServer,
  PORT_ANY,
  type Transport,
  type TransportListener,
  type VsockSocket,
} from '@vmci/sockets';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HybridVsockTransport } from '../src/index.js';
import { type FakeMuxer, startFakeMuxer } from './helpers/hybrid-muxer.js';

describe('HybridVsockTransport: listen', () => {
  let muxer: FakeMuxer;
  let transport: HybridVsockTransport;
  const listeners: TransportListener[] = [];
  const cleanups: (() => void)[] = [];

  beforeEach(async () => {
    muxer = await startFakeMuxer();
    transport = new HybridVsockTransport({ udsPath: muxer.udsPath });
  });

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) cleanup();
    for (const listener of listeners.splice(0)) listener.close();
    await muxer.close();
  });

  const noHandlers = { connection: (socket: VsockSocket) => socket.destroy(), error: () => {} };

  async function listen(
    port: number,
    onConnection: (socket: VsockSocket) => void = (socket) => socket.destroy(),
  ) {
    const listener = await transport.listen(
      { cid: CID_ANY, port },
      { connection: onConnection, error: () => {} },
    );
    listeners.push(listener);
    return listener;
  }

  it('accepts a guest connection to host port P on <udsPath>_P and echoes', async () => {
    let accepted!: (socket: VsockSocket) => void;
    const acceptedSocket = new Promise<VsockSocket>((resolve) => {
      accepted = resolve;
    });
    const listener = await listen(5000, (socket) => {
      accepted(socket);
      socket.pipe(socket);
    });
    expect(listener.address()).toEqual({ cid: CID_ANY, port: 5000 });
    expect(lstatSync(`${muxer.udsPath}_5000`).isSocket()).toBe(true);
    const guest = await muxer.guestConnect(5000);
    cleanups.push(() => guest.destroy());
    const echoed = once(guest, 'data');
    guest.write('ping from the guest');
    expect(String((await echoed)[0])).toBe('ping from the guest');
    const socket = await acceptedSocket;
    expect(socket.remoteCid).toBe(3);
    expect(socket.remotePort).toBeUndefined();
    expect(socket.localCid).toBe(2);
    expect(socket.localPort).toBe(5000);
    expect(socket.address()).toEqual({ cid: 2, port: 5000 });
  });

  it('refuses PORT_ANY with ERR_VMCI_UNSUPPORTED', async () => {
    const error = await transport
      .listen({ cid: CID_ANY, port: PORT_ANY }, noHandlers)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'VmciError', code: 'ERR_VMCI_UNSUPPORTED' });
    expect((error as Error).message).toMatch(/cannot pick a port/);
  });

  it('has no descriptors to serve: listen({ fd }) fails with ERR_VMCI_UNSUPPORTED naming it', async () => {
    expect((transport as Transport).listenFd).toBeUndefined();
    const server = createServer({ transport });
    await expect(server.listenAsync({ fd: 3 })).rejects.toMatchObject({
      code: 'ERR_VMCI_UNSUPPORTED',
      message: expect.stringContaining("'hybrid' transport has no descriptors to serve"),
    });
  });

  it('replaces a stale socket file that nothing listens on', async () => {
    const path = `${muxer.udsPath}_6000`;
    await leaveStaleSocketFile(path);
    expect(lstatSync(path).isSocket()).toBe(true);
    await listen(6000, (socket) => socket.end('new listener'));
    const guest = await muxer.guestConnect(6000);
    cleanups.push(() => guest.destroy());
    const [data] = await once(guest, 'data');
    expect(String(data)).toBe('new listener');
  });

  it('fails with EADDRINUSE, keeping the file, when something listens on the path', async () => {
    const path = `${muxer.udsPath}_6001`;
    const live = net.createServer();
    await new Promise<void>((resolve) => live.listen(path, resolve));
    cleanups.push(() => live.close());
    await expect(listen(6001)).rejects.toMatchObject({ code: 'EADDRINUSE' });
    expect(lstatSync(path).isSocket()).toBe(true);
  });

  it('fails with EADDRINUSE, keeping the file, when the path is not a socket', async () => {
    const path = `${muxer.udsPath}_6002`;
    writeFileSync(path, 'precious');
    await expect(listen(6002)).rejects.toMatchObject({ code: 'EADDRINUSE' });
    expect(readFileSync(path, 'utf8')).toBe('precious');
  });

  it('removes the socket file on close', async () => {
    const listener = await listen(6003);
    expect(existsSync(`${muxer.udsPath}_6003`)).toBe(true);
    listener.close();
    expect(existsSync(`${muxer.udsPath}_6003`)).toBe(false);
  });

  it('keeps accepted connections open after the listener closes', async () => {
    let accepted!: (socket: VsockSocket) => void;
    const acceptedSocket = new Promise<VsockSocket>((resolve) => {
      accepted = resolve;
    });
    const listener = await listen(6004, accepted);
    const guest = await muxer.guestConnect(6004);
    cleanups.push(() => guest.destroy());
    const socket = await acceptedSocket;
    listener.close();
    const received = once(guest, 'data');
    socket.end('still here');
    expect(String((await received)[0])).toBe('still here');
  });
});

/** A listener that died without removing its socket file: a child process killed by SIGKILL. */
async function leaveStaleSocketFile(path: string): Promise<void> {
  const child = spawn(process.execPath, [
    '-e',
    `require('node:net').createServer().listen(${JSON.stringify(path)}, () => console.log('up'))`,
  ]);
  await once(child.stdout, 'data');
  child.kill('SIGKILL');
  await once(child, 'exit');
}
