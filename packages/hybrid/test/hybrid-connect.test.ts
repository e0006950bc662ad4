/** HybridVsockTransport, host-initiated connects through a fake Firecracker muxer (Unix sockets). */
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type net from 'node:net';
import type { VsockSocket } from '@vmci/sockets';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HybridVsockTransport } from '../src/index.js';
import { type FakeMuxer, startFakeMuxer, waitFor } from './helpers/hybrid-muxer.js';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

function readAll(socket: net.Socket | VsockSocket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('end', () => resolve(Buffer.concat(chunks)));
    socket.once('error', reject);
  });
}

describe('HybridVsockTransport: host-initiated connect', () => {
  let muxer: FakeMuxer;
  let transport: HybridVsockTransport;
  const sockets: VsockSocket[] = [];

  beforeEach(async () => {
    muxer = await startFakeMuxer();
    transport = new HybridVsockTransport({ udsPath: muxer.udsPath });
  });

  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    await muxer.close();
  });

  const dial = async (port: number, options: { timeout?: number; signal?: AbortSignal } = {}) => {
    const socket = await transport.connect({ cid: 3, port, ...options });
    sockets.push(socket);
    return socket;
  };

  it('writes CONNECT <port> and reports the vsock addresses of the connection', async () => {
    muxer.guestListen(52, () => {});
    const socket = await dial(52);
    expect(muxer.requests).toEqual([52]);
    expect(socket.remoteCid).toBe(3);
    expect(socket.remotePort).toBe(52);
    expect(socket.localCid).toBe(2);
    expect(socket.localPort).toBe(1 << 30);
    expect(socket.address()).toEqual({ cid: 2, port: 1 << 30 });
    expect(socket.getBufferSize()).toBe(262144);
    expect(transport.localCid()).toBe(2);
  });

  it('moves 4 MiB each way with intact SHA-256 digests', async () => {
    const up = randomBytes(4 * 1024 * 1024);
    const down = randomBytes(4 * 1024 * 1024);
    const guestGot = new Promise<string>((resolve) => {
      muxer.guestListen(5000, (guest) => {
        readAll(guest).then((data) => resolve(sha256(data)));
        guest.end(down);
      });
    });
    const socket = await dial(5000);
    const hostGot = readAll(socket);
    socket.end(up);
    expect(await guestGot).toBe(sha256(up));
    expect(sha256(await hostGot)).toBe(sha256(down));
  });

  it('keeps guest bytes that arrive in the same chunk as the OK line', async () => {
    muxer.guestListen(7, (guest) => guest.end(), { greeting: Buffer.from('hello from the guest') });
    const socket = await dial(7);
    expect((await readAll(socket)).toString()).toBe('hello from the guest');
  });

  it('delivers end of stream when the guest closes right after OK', async () => {
    muxer.guestListen(6, (guest) => guest.end());
    const socket = await dial(6);
    expect((await readAll(socket)).length).toBe(0);
  });

  it('fails with ECONNRESET when the muxer closes without OK (no guest listener)', async () => {
    const error = await dial(1234).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'VmciError', code: 'ECONNRESET' });
    expect((error as Error).message).toMatch(/nothing listens/);
    await waitFor(() => muxer.openConnections() === 0, 'the muxer to see the close');
  });

  it('fails with ETIMEDOUT when the muxer never answers', async () => {
    muxer.mode = 'silent';
    const started = Date.now();
    await expect(dial(1, { timeout: 150 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    await waitFor(() => muxer.openConnections() === 0, 'the timed-out connection to close');
  });

  it('aborts a pending connect with its signal, leaving no connection open', async () => {
    muxer.mode = 'silent';
    const controller = new AbortController();
    const pending = dial(1, { signal: controller.signal, timeout: 10_000 });
    await waitFor(() => muxer.requests.length === 1, 'the CONNECT request');
    controller.abort(new Error('user gave up'));
    await expect(pending).rejects.toThrow('user gave up');
    await waitFor(() => muxer.openConnections() === 0, 'the aborted connection to close');
  });

  it('rejects an already aborted signal without connecting', async () => {
    const reason = new Error('cancelled');
    await expect(dial(1, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(muxer.requests).toEqual([]);
  });

  it('fails with ERR_VMCI_PROTOCOL on a reply that is not OK <port>', async () => {
    muxer.mode = 'malformed';
    muxer.malformedReply = 'NOPE 12\n';
    await expect(dial(9)).rejects.toMatchObject({ code: 'ERR_VMCI_PROTOCOL' });
  });

  it('fails with ERR_VMCI_PROTOCOL on an overlong reply line', async () => {
    muxer.mode = 'malformed';
    muxer.malformedReply = 'x'.repeat(100);
    await expect(dial(9)).rejects.toMatchObject({ code: 'ERR_VMCI_PROTOCOL' });
  });

  it('fails with a typed error when no device listens at udsPath', async () => {
    const missing = new HybridVsockTransport({ udsPath: `${muxer.udsPath}.missing` });
    const error = await missing.connect({ cid: 3, port: 1 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'VmciError', code: 'ENOENT' });
    expect((error as Error).message).toMatch(/is the VM running/);
  });

  it('refuses a CID other than the guest’s with ERR_VMCI_INVALID_ADDRESS', async () => {
    await expect(transport.connect({ cid: 4, port: 1 })).rejects.toMatchObject({
      code: 'ERR_VMCI_INVALID_ADDRESS',
    });
    expect(muxer.requests).toEqual([]);
  });

  it('reports the configured guestCid as remoteCid', async () => {
    const other = new HybridVsockTransport({ udsPath: muxer.udsPath, guestCid: 42 });
    muxer.guestListen(52, () => {});
    const socket = await other.connect({ cid: 42, port: 52 });
    sockets.push(socket);
    expect(socket.remoteCid).toBe(42);
  });

  it('rejects invalid options with ERR_VMCI_INVALID_ARGUMENT', () => {
    expect(() => new HybridVsockTransport({ udsPath: '' })).toThrowError(
      expect.objectContaining({ code: 'ERR_VMCI_INVALID_ARGUMENT' }),
    );
    expect(() => new HybridVsockTransport({ udsPath: '/x', guestCid: 2 })).toThrowError(
      expect.objectContaining({ code: 'ERR_VMCI_INVALID_ARGUMENT' }),
    );
  });

  it('lets the guest close first: the host sees end of stream', async () => {
    muxer.guestListen(8, (guest) => guest.end('bye'));
    const socket = await dial(8);
    expect((await readAll(socket)).toString()).toBe('bye');
    socket.end();
    await once(socket, 'close');
  });
});
