/**
 * Lifecycle: destroy mid-write, a server closing under open connections, aborted and cancelled
 * connects, and `createConnection`'s connecting socket.
 */
import { once } from 'node:events';
import { connect, createConnection } from '@vmci/sockets';
import { expect, it } from 'vitest';
import type { ConformanceContext } from '../context.js';
import { closedOf, readAll } from '../helpers.js';

/** Close, abort and the connecting socket. */
export function describeLifecycle(ctx: ConformanceContext): void {
  it('survives destroy during a large write', async () => {
    const [server, client] = await ctx.pair();
    server.on('error', () => {});
    client.write(Buffer.alloc(8 * 1024 * 1024));
    client.destroy();
    await once(client, 'close');
    server.resume();
    await closedOf(server);
  });

  it('keeps open connections when the server closes, and emits close after them', async () => {
    const { server, accepted: serverSocket, client } = await ctx.pairWithServer();
    let closed = false;
    server.close(() => {
      closed = true;
    });
    serverSocket.write('still here');
    const [chunk] = (await once(client, 'data')) as [Buffer];
    expect(chunk.toString()).toBe('still here');
    expect(closed).toBe(false);
    client.end();
    serverSocket.end();
    await once(server, 'close');
    expect(closed).toBe(true);
  });

  it('rejects a connect whose signal is already aborted, opening nothing', async () => {
    const { port } = await ctx.listen();
    const reason = new Error('cancelled');
    await expect(
      connect({
        cid: ctx.target.serverCid,
        port,
        transport: ctx.target.client,
        signal: AbortSignal.abort(reason),
      }),
    ).rejects.toBe(reason);
  });

  it('returns a connecting socket from createConnection; writes made before connect arrive', async () => {
    const { port } = await ctx.listen((socket) => socket.pipe(socket));
    const client = ctx.track(
      createConnection({ cid: ctx.target.serverCid, port, transport: ctx.target.client }),
    );
    expect(client.connecting).toBe(true);
    expect(client.readyState).toBe('opening');
    const connected = once(client, 'connect');
    client.end('written while connecting');
    await connected;
    expect(client.connecting).toBe(false);
    expect(client.remoteCid).toBe(ctx.target.serverCid);
    expect((await readAll(client)).toString()).toBe('written while connecting');
  });

  it('reports a refused createConnection as an error event', async () => {
    const { server, port } = await ctx.listen();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const client = createConnection({
      cid: ctx.target.serverCid,
      port,
      transport: ctx.target.client,
    });
    const [error] = await once(client, 'error');
    expect(error).toMatchObject({ code: 'ECONNRESET' });
    expect(client.destroyed).toBe(true);
  });

  it('destroying a connecting socket cancels the connect, leaking nothing', async () => {
    const { port } = await ctx.listen((socket) => socket.destroy());
    const client = createConnection({
      cid: ctx.target.serverCid,
      port,
      transport: ctx.target.client,
    });
    let failed = false;
    client.on('error', () => {
      failed = true;
    });
    client.destroy();
    await once(client, 'close');
    expect(failed).toBe(false);
    expect(client.connecting).toBe(false);
  });
}
