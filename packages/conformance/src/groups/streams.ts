/** Streams: a connect and an echo, the addresses both ends report, a byte count, connect errors. */
import { connect, createServer, PORT_ANY } from '@vmci/sockets';
import { expect, it } from 'vitest';
import type { ConformanceContext } from '../context.js';
import { readAll } from '../helpers.js';

/** Echo, ports and addresses, byte counts, and the errors a connect or a listen fails with. */
export function describeStreams(ctx: ConformanceContext): void {
  it('connects and echoes a message', async () => {
    const { port } = await ctx.listen((socket) => socket.pipe(socket));
    const client = await ctx.dial(port);
    client.end('hello vsock');
    expect((await readAll(client)).toString()).toBe('hello vsock');
  });

  it('assigns a port for PORT_ANY and reports it in address()', async () => {
    const { server, port } = await ctx.listen();
    expect(port).toBeGreaterThan(0);
    expect(port).not.toBe(PORT_ANY);
    expect(server.address()?.port).toBe(port);
  });

  it('reports both ends: the accepted socket sees the client port', async () => {
    const [server, client] = await ctx.pair();
    expect(server.remotePort).toBe(client.localPort);
    expect(client.remotePort).toBe(server.localPort);
    expect(client.remoteCid).toBe(ctx.target.serverCid);
    expect(server.address()).toEqual({ cid: server.localCid, port: server.localPort });
  });

  it('counts bytes both ways', async () => {
    const { port } = await ctx.listen((socket) => socket.pipe(socket));
    const client = await ctx.dial(port);
    client.end(Buffer.alloc(4096, 7));
    await readAll(client);
    expect(client.bytesWritten).toBe(4096);
    expect(client.bytesRead).toBe(4096);
  });

  it('fails a connect to a port nobody listens on with ECONNRESET', async () => {
    const { server, port } = await ctx.listen();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await expect(
      connect({ cid: ctx.target.serverCid, port, transport: ctx.target.client }),
    ).rejects.toMatchObject({ code: 'ECONNRESET' });
  });

  it('fails a connect to an unreachable CID with a typed error', async () => {
    const error = await connect({
      cid: ctx.target.unreachableCid,
      port: 1234,
      transport: ctx.target.client,
      connectTimeout: 500,
    }).catch((e: unknown) => e);
    expect(ctx.target.unreachableCodes).toContain((error as { code?: string }).code);
  });

  it('fails a second listener on the same port with EADDRINUSE', async () => {
    const { port } = await ctx.listen();
    const second = createServer({ transport: ctx.target.server });
    await expect(second.listenAsync({ port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });
}
