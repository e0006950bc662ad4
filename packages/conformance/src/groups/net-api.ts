/**
 * API-level conformance: what a `net` user relies on, held to one behaviour on every transport —
 * listen forms and port 0, `createConnection`'s shape, `remoteAddress`, `'close'` with
 * `hadError`, argument errors with net's codes, a chosen local port, message-socket timeouts.
 * One behaviour per test, like Node core's `test-net-*`.
 */
import { once } from 'node:events';
import {
  CID_ANY,
  connect,
  connectSeqpacket,
  createConnection,
  createServer,
  PORT_ANY,
  type VsockSocket,
} from '@vmci/sockets';
import { describe, expect, it } from 'vitest';
import { type ConformanceContext, useConformanceContext } from '../context.js';
import { closeOf, code } from '../helpers.js';
import type { ConformanceCapabilities, ConformanceSetup } from '../target.js';

function describeListenForms(ctx: ConformanceContext) {
  describe('listen forms', () => {
    it('listen(0, callback) picks a free port', async () => {
      const server = ctx.track(createServer({ transport: ctx.target.server }));
      await new Promise<void>((resolve) => server.listen(0, resolve));
      const port = server.address()?.port;
      expect(port).not.toBe(0);
      expect(port).not.toBe(PORT_ANY);
    });

    it('listen(port, callback) listens on that port', async () => {
      const first = ctx.track(createServer({ transport: ctx.target.server }));
      const { port } = await first.listenAsync({ port: 0 });
      await new Promise((resolve) => first.close(resolve));
      const server = ctx.track(createServer({ transport: ctx.target.server }));
      await new Promise<void>((resolve) => server.listen(port, resolve));
      expect(server.address()?.port).toBe(port);
    });

    it('listen({ port: 0 }) picks a free port that clients reach', async () => {
      const server = ctx.track(
        createServer({ transport: ctx.target.server }, (socket) => ctx.track(socket).end('hi')),
      );
      const { port } = await server.listenAsync({ port: 0 });
      const client = await ctx.dial(port);
      const [data] = (await once(client, 'data')) as [Buffer];
      expect(data.toString()).toBe('hi');
    });
  });
}

function describeCreateConnection(ctx: ConformanceContext) {
  describe('createConnection', () => {
    it("returns the socket and calls connectListener on 'connect'", async () => {
      const { port } = await ctx.listen();
      let called = 0;
      const client = ctx.track(
        createConnection({ cid: ctx.target.serverCid, port, transport: ctx.target.client }, () => {
          called++;
        }),
      );
      expect(client.connecting).toBe(true);
      await once(client, 'connect');
      expect(called).toBe(1);
    });
  });
}

function describeAddresses(ctx: ConformanceContext) {
  describe('addresses', () => {
    it("shows the peer as remoteAddress 'vsock:<cid>' with remoteFamily 'AF_VSOCK'", async () => {
      const [server, client] = await ctx.pair();
      expect(client.remoteAddress).toBe(`vsock:${ctx.target.serverCid}`);
      expect(client.remoteFamily).toBe('AF_VSOCK');
      expect(server.remoteAddress).toBe(`vsock:${server.remoteCid}`);
      expect(server.remoteFamily).toBe('AF_VSOCK');
      expect(server.localAddress).toBe(`vsock:${server.localCid}`);
    });

    it("reports a client's real local CID, the one the server sees", async () => {
      const [server, client] = await ctx.pair();
      expect(client.localCid).not.toBe(CID_ANY);
      expect(client.localCid).toBe(server.remoteCid);
      expect(client.localAddress).toBe(`vsock:${client.localCid}`);
    });

    it('reports no addresses once destroyed', async () => {
      const [, client] = await ctx.pair();
      client.destroy();
      await once(client, 'close');
      expect(client.remoteAddress).toBeUndefined();
      expect(client.remoteFamily).toBeUndefined();
    });
  });
}

function describeCloseHadError(ctx: ConformanceContext) {
  describe("'close' with hadError", () => {
    it('passes hadError false after a clean end', async () => {
      const { port } = await ctx.listen((socket) => socket.end('bye'));
      const client = await ctx.dial(port);
      client.resume();
      expect(await closeOf(client)).toBe(false);
    });

    it('passes hadError true when destroyed by an error', async () => {
      const [, client] = await ctx.pair();
      client.on('error', () => {});
      const closed = closeOf(client);
      client.destroy(new Error('boom'));
      expect(await closed).toBe(true);
    });

    it('passes hadError true to a createConnection socket whose connect failed', async () => {
      const { server, port } = await ctx.listen();
      await new Promise((resolve) => server.close(resolve));
      const client = ctx.track(
        createConnection({ cid: ctx.target.serverCid, port, transport: ctx.target.client }),
      );
      client.on('error', () => {});
      expect(await closeOf(client)).toBe(true);
    });
  });
}

function describeArgumentErrors(ctx: ConformanceContext) {
  const options = (extra: Record<string, unknown>) => ({
    cid: ctx.target.serverCid,
    port: 1,
    transport: ctx.target.client,
    ...extra,
  });

  describe('argument errors (net codes)', () => {
    for (const [what, extra, expected] of [
      ['connectTimeout: -5', { connectTimeout: -5 }, 'ERR_OUT_OF_RANGE'],
      ['connectTimeout: NaN', { connectTimeout: Number.NaN }, 'ERR_OUT_OF_RANGE'],
      ["connectTimeout: '5'", { connectTimeout: '5' }, 'ERR_INVALID_ARG_TYPE'],
      ['timeout: -1', { timeout: -1 }, 'ERR_OUT_OF_RANGE'],
      ['timeout: Infinity', { timeout: Number.POSITIVE_INFINITY }, 'ERR_OUT_OF_RANGE'],
      ['bufferSize: 0', { bufferSize: 0 }, 'ERR_OUT_OF_RANGE'],
      ["signal: 'x'", { signal: 'x' }, 'ERR_INVALID_ARG_TYPE'],
      ['port: -1', { port: -1 }, 'ERR_VMCI_INVALID_ADDRESS'],
    ] as const) {
      it(`connect() rejects ${what} with ${expected}`, async () => {
        await expect(connect(options(extra) as never)).rejects.toMatchObject({ code: expected });
      });

      it(`createConnection() throws ${expected} for ${what} at the call`, () => {
        expect(() => createConnection(options(extra) as never)).toThrow(code(expected));
      });
    }

    it('setTimeout(-1), NaN and a string throw net codes on both ends', async () => {
      const [server, client] = await ctx.pair();
      for (const socket of [server, client]) {
        expect(() => socket.setTimeout(-1)).toThrow(code('ERR_OUT_OF_RANGE'));
        expect(() => socket.setTimeout(Number.NaN)).toThrow(code('ERR_OUT_OF_RANGE'));
        expect(() => socket.setTimeout('1' as never)).toThrow(code('ERR_INVALID_ARG_TYPE'));
        expect(() => socket.setTimeout(10, 'x' as never)).toThrow(code('ERR_INVALID_ARG_TYPE'));
      }
    });

    it('setTimeout(-1) throws ERR_OUT_OF_RANGE on a connecting socket', async () => {
      const { port } = await ctx.listen();
      const client: VsockSocket = ctx.track(
        createConnection({ cid: ctx.target.serverCid, port, transport: ctx.target.client }),
      );
      expect(() => client.setTimeout(-1)).toThrow(code('ERR_OUT_OF_RANGE'));
      await once(client, 'connect');
    });
  });
}

function describeLocalPort(ctx: ConformanceContext) {
  describe('connect with a local port', () => {
    /** A port free on the client side: bind one there, note it, close it. */
    async function freeClientPort(): Promise<number> {
      const probe = createServer({ transport: ctx.target.client });
      const { port } = await probe.listenAsync();
      await new Promise((resolve) => probe.close(resolve));
      return port;
    }

    it('connects from the local port asked for; the server sees it as remotePort', async () => {
      let accepted!: (socket: VsockSocket) => void;
      const serverSide = new Promise<VsockSocket>((resolve) => {
        accepted = resolve;
      });
      const { port } = await ctx.listen((socket) => accepted(socket));
      const localPort = await freeClientPort();
      const client = await ctx.dial(port, { localPort });
      expect(client.localPort).toBe(localPort);
      expect((await serverSide).remotePort).toBe(localPort);
    });

    it('fails a second connect from a local port in use with EADDRINUSE', async () => {
      const { port } = await ctx.listen();
      const localPort = await freeClientPort();
      await ctx.dial(port, { localPort });
      await expect(ctx.dial(port, { localPort })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    });
  });
}

function describeMessageTimeouts(ctx: ConformanceContext) {
  describe('message-socket timeouts', () => {
    it("emits 'timeout' after the idle time and stays open", async () => {
      const [, client] = await ctx.messagePair();
      client.setTimeout(50);
      await once(client, 'timeout');
      expect(client.destroyed).toBe(false);
    });

    it('takes the idle timeout as connectSeqpacket({ timeout })', async () => {
      const [server, client] = await ctx.messagePair({ timeout: 50 });
      // The idle time runs from the connect, so on a loaded machine 'timeout' may have fired
      // before this line: a message restarts it, with the listener already in place.
      const timedOut = once(client, 'timeout');
      await server.send(Buffer.from('wake'));
      await timedOut;
      expect(client.destroyed).toBe(false);
    });

    it('setTimeout(-1) throws ERR_OUT_OF_RANGE', async () => {
      const [server] = await ctx.messagePair();
      expect(() => server.setTimeout(-1)).toThrow(code('ERR_OUT_OF_RANGE'));
    });

    it("passes hadError false to 'close' after both end", async () => {
      const [server, client] = await ctx.messagePair();
      server.on('end', () => server.end());
      const closed = closeOf(client);
      client.end();
      expect(await closed).toBe(false);
    });

    it('rejects connectSeqpacket({ connectTimeout: -5 }) with ERR_OUT_OF_RANGE', async () => {
      await expect(
        connectSeqpacket({
          cid: ctx.target.serverCid,
          port: 1,
          transport: ctx.target.client,
          connectTimeout: -5,
        }),
      ).rejects.toMatchObject({ code: 'ERR_OUT_OF_RANGE' });
    });
  });
}

/** The API-level blocks; `describeTransportConformance` runs them for every transport. */
export function describeNetApiConformance(
  name: string,
  setup: ConformanceSetup,
  capabilities: ConformanceCapabilities,
): void {
  describe(`${name} > net API`, () => {
    const ctx = useConformanceContext(setup);
    describeListenForms(ctx);
    describeCreateConnection(ctx);
    describeAddresses(ctx);
    describeCloseHadError(ctx);
    describeArgumentErrors(ctx);
    if (capabilities.localPort !== false) describeLocalPort(ctx);
    if (capabilities.seqpacket !== false) describeMessageTimeouts(ctx);
  });
}
