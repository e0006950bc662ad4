/**
 * Every form `net.Server#listen` takes, on the host kernel (bind and listen only — nothing here
 * connects): port numbers, port 0 as "any", positional CID and backlog, options, callbacks, and
 * typed errors for what vsock cannot listen on (paths, net handles).
 */
import { once } from 'node:events';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, KernelTransport, PORT_ANY, type VsockServer } from '../src/index.js';

const transport = new KernelTransport();
const servers: VsockServer[] = [];
const server = () => {
  const created = createServer({ transport });
  servers.push(created);
  return created;
};

afterEach(async () => {
  for (const s of servers.splice(0))
    if (s.listening) await new Promise((resolve) => s.close(resolve));
});

/** A free port: listen on any, note the port, close. */
async function freePort(): Promise<number> {
  const probe = createServer({ transport });
  const { port } = await probe.listenAsync();
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

const isAnyPort = (port: number | undefined) =>
  port !== undefined && port !== 0 && port !== PORT_ANY;

describe('server.listen forms', () => {
  it('listen(port, callback) listens on that port and calls back', async () => {
    const port = await freePort();
    const s = server();
    await new Promise<void>((resolve) => s.listen(port, resolve));
    expect(s.address()?.port).toBe(port);
  });

  it('listen(port) as a numeric string listens on that port', async () => {
    const port = await freePort();
    const s = server().listen(String(port));
    await once(s, 'listening');
    expect(s.address()?.port).toBe(port);
  });

  it('listen(0) picks a free port', async () => {
    const s = server().listen(0);
    await once(s, 'listening');
    expect(isAnyPort(s.address()?.port)).toBe(true);
  });

  it('listen({ port: 0 }) picks a free port', async () => {
    const s = server().listen({ port: 0 });
    await once(s, 'listening');
    expect(isAnyPort(s.address()?.port)).toBe(true);
  });

  it('listen() and listen(callback) pick a free port', async () => {
    const a = server().listen();
    await once(a, 'listening');
    expect(isAnyPort(a.address()?.port)).toBe(true);
    const b = server();
    await new Promise<void>((resolve) => b.listen(resolve));
    expect(isAnyPort(b.address()?.port)).toBe(true);
  });

  it('listen(undefined, cb) and listen(null, cb) pick a free port', async () => {
    for (const port of [undefined, null]) {
      const s = server();
      await new Promise<void>((resolve) => s.listen(port, resolve));
      expect(isAnyPort(s.address()?.port)).toBe(true);
    }
  });

  it("listen(port, cid, backlog, callback) binds that CID ('any')", async () => {
    const s = server();
    await new Promise<void>((resolve) => s.listen(0, 'any', 16, resolve));
    expect(s.address()?.cid).toBe(0xffffffff);
  });

  it('listen(port, cid) with a CID that is not ours emits EADDRNOTAVAIL', async () => {
    const s = server().listen(0, 4242);
    const [error] = await once(s, 'error');
    expect(error).toMatchObject({ code: 'EADDRNOTAVAIL' });
  });

  it('listen({ port, cid, backlog }, callback) listens', async () => {
    const s = server();
    await new Promise<void>((resolve) => s.listen({ port: 0, cid: 'any', backlog: 8 }, resolve));
    expect(isAnyPort(s.address()?.port)).toBe(true);
  });

  it('listen({ signal }) closes the server when the signal aborts', async () => {
    const controller = new AbortController();
    const s = server().listen({ port: 0, signal: controller.signal });
    await once(s, 'listening');
    controller.abort();
    await once(s, 'close');
    expect(s.listening).toBe(false);
  });

  it('listen({ signal }) with an aborted signal does not listen', async () => {
    const s = server().listen({ signal: AbortSignal.abort() });
    await new Promise((resolve) => setImmediate(resolve));
    expect(s.listening).toBe(false);
  });

  it('listen(path) throws ERR_VMCI_UNSUPPORTED', () => {
    expect(() => server().listen('/tmp/some.sock')).toThrow(
      expect.objectContaining({ code: 'ERR_VMCI_UNSUPPORTED' }),
    );
    expect(() => server().listen({ path: '/tmp/some.sock' } as never)).toThrow(
      expect.objectContaining({ code: 'ERR_VMCI_UNSUPPORTED' }),
    );
  });

  it('listen(handle) throws ERR_VMCI_UNSUPPORTED', () => {
    const handleOwner = new net.Server();
    expect(() => server().listen(handleOwner as never)).toThrow(
      expect.objectContaining({ code: 'ERR_VMCI_UNSUPPORTED' }),
    );
  });

  it('listen({ host }) throws ERR_VMCI_INVALID_ARGUMENT (vsock has CIDs, not hosts)', () => {
    expect(() => server().listen({ host: 'localhost' } as never)).toThrow(
      expect.objectContaining({ code: 'ERR_VMCI_INVALID_ARGUMENT' }),
    );
  });

  it('listen(-5) throws ERR_VMCI_INVALID_ADDRESS at the call', () => {
    expect(() => server().listen(-5)).toThrow(
      expect.objectContaining({ code: 'ERR_VMCI_INVALID_ADDRESS' }),
    );
  });

  it('listen({ backlog: -1 }) throws ERR_OUT_OF_RANGE; a string backlog ERR_INVALID_ARG_TYPE', () => {
    expect(() => server().listen({ backlog: -1 })).toThrow(
      expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }),
    );
    expect(() => server().listen({ backlog: '5' as never })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
    );
  });

  it('listen(true) throws ERR_INVALID_ARG_TYPE', () => {
    expect(() => server().listen(true as never)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
    );
  });

  it('listenAsync() rejects an argument error instead of throwing', async () => {
    await expect(server().listenAsync({ port: -1 })).rejects.toMatchObject({
      code: 'ERR_VMCI_INVALID_ADDRESS',
    });
  });

  it('listen twice throws ERR_SERVER_ALREADY_LISTEN', async () => {
    const s = server();
    await s.listenAsync();
    expect(() => s.listen()).toThrow(
      expect.objectContaining({ code: 'ERR_SERVER_ALREADY_LISTEN' }),
    );
  });

  it('close() while the listen is still starting emits close', async () => {
    const s = server().listen(0);
    s.close();
    await once(s, 'close');
    expect(s.listening).toBe(false);
  });
});
