/**
 * The transport conformance suite: one behaviour per test, like Node core's `test-net-*`. It runs
 * unchanged against every Transport — the kernel (both backends, inside the nested VM) and the
 * testkit's fake hypervisor. Adding a transport means one `describeTransportConformance` call.
 */
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { PORT_ANY } from '../address.js';
import { connect, createConnection } from '../connect.js';
import type { VsockMessageSocket } from '../message-socket.js';
import {
  connectSeqpacket,
  createSeqpacketServer,
  type VsockSeqpacketServer,
} from '../seqpacket.js';
import { createServer, type VsockServer } from '../server.js';
import type { Transport, VsockSocket } from '../transport.js';
import { useTargetHooks } from './context.js';
import { describeNetApiConformance } from './net-api.js';

export { describeKernelParity } from './kernel-parity.js';

/** The transports a conformance run uses, and how a client reaches the server. */
export interface ConformanceTarget {
  /** The transport servers listen on. */
  readonly server: Transport;
  /** The transport clients connect from. */
  readonly client: Transport;
  /** The CID a client uses to reach the server's transport. */
  readonly serverCid: number;
  /** A CID where nobody answers. */
  readonly unreachableCid: number;
  /** Codes a connect to `unreachableCid` may fail with on this transport. */
  readonly unreachableCodes: readonly string[];
  /** A count of open resources (descriptors, channels) that must return to its baseline. */
  openResources(): number;
}

/** What a transport can stage; tests that need a capability are defined only where it exists. */
export interface ConformanceCapabilities {
  /** A CID where connects hang until the connect timeout (the kernel's loopback has none). */
  readonly hangingCid?: number;
  /**
   * SEQPACKET exists (default true). Hybrid vsock (Firecracker, cloud-hypervisor) carries only
   * streams: its VMM muxer has no message sockets, so the seqpacket tests cannot run there.
   */
  readonly seqpacket?: boolean;
  /**
   * Stream buffer sizes are really applied, so `getBufferSize()` reports a size the transport set
   * (default true). On hybrid vsock the buffers live in the VMM, which the Unix socket cannot size:
   * the reported size only echoes what was asked for, so testing it would prove nothing.
   */
  readonly bufferSizes?: boolean;
  /**
   * A client can choose its local port (`connect({ localPort })`, default true). On hybrid vsock
   * the VMM assigns the host end's port, so a connect cannot ask for one.
   */
  readonly localPort?: boolean;
}

/** Everything until end of stream — without destroying the socket (so it can still write). */
function readAll(socket: VsockSocket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('end', () => resolve(Buffer.concat(chunks)));
    socket.once('error', reject);
  });
}

/**
 * Resolves on the socket's 'close', or at once when it has already closed: a peer's reset can
 * close a socket before the test gets to listen, on a loaded machine or across processes.
 */
function closedOf(socket: VsockSocket): Promise<unknown> {
  return (socket as { closed?: boolean }).closed ? Promise.resolve() : once(socket, 'close');
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/**
 * Registers the conformance suite (one vitest test per behaviour) for a transport pair: a
 * transport that passes behaves as the kernel does. `capabilities` say what it cannot stage;
 * they never loosen an assertion.
 */
export function describeTransportConformance(
  name: string,
  setup: () => ConformanceTarget | Promise<ConformanceTarget>,
  capabilities: ConformanceCapabilities = {},
): void {
  describe(`transport conformance: ${name}`, () => {
    let target!: ConformanceTarget;
    const servers: (VsockServer | VsockSeqpacketServer)[] = [];
    const sockets: (VsockSocket | VsockMessageSocket)[] = [];
    useTargetHooks(setup, { sockets, servers }, (current) => {
      target = current;
    });

    async function listen(onConnection?: (socket: VsockSocket) => void, allowHalfOpen?: boolean) {
      const server = createServer(
        { transport: target.server, ...(allowHalfOpen ? { allowHalfOpen } : {}) },
        (socket) => {
          sockets.push(socket);
          onConnection?.(socket);
        },
      );
      servers.push(server);
      const address = await server.listenAsync();
      return { server, port: address.port };
    }

    async function dial(
      port: number,
      options: { allowHalfOpen?: boolean; connectTimeout?: number } = {},
    ): Promise<VsockSocket> {
      const socket = await connect({
        cid: target.serverCid,
        port,
        transport: target.client,
        ...options,
      });
      sockets.push(socket);
      return socket;
    }

    /** A connected pair: [the server's accepted socket, the client]. */
    async function pair(): Promise<[VsockSocket, VsockSocket]> {
      let accepted!: (socket: VsockSocket) => void;
      const serverSide = new Promise<VsockSocket>((resolve) => {
        accepted = resolve;
      });
      const { port } = await listen((socket) => accepted(socket));
      const client = await dial(port);
      return [await serverSide, client];
    }

    /** A connected SEQPACKET pair: [the server's accepted socket, the client], buffers as asked. */
    async function messagePair(
      buffers: { server?: number; client?: number } = {},
    ): Promise<[VsockMessageSocket, VsockMessageSocket]> {
      let accepted!: (socket: VsockMessageSocket) => void;
      const serverSide = new Promise<VsockMessageSocket>((resolve) => {
        accepted = resolve;
      });
      const server = createSeqpacketServer(
        { transport: target.server, ...(buffers.server ? { bufferSize: buffers.server } : {}) },
        (socket) => {
          sockets.push(socket);
          accepted(socket);
        },
      );
      servers.push(server);
      const { port } = await server.listenAsync();
      const client = await connectSeqpacket({
        cid: target.serverCid,
        port,
        transport: target.client,
        ...(buffers.client ? { bufferSize: buffers.client } : {}),
      });
      sockets.push(client);
      return [await serverSide, client];
    }

    it('connects and echoes a message', async () => {
      const { port } = await listen((socket) => socket.pipe(socket));
      const client = await dial(port);
      client.end('hello vsock');
      expect((await readAll(client)).toString()).toBe('hello vsock');
    });

    it('assigns a port for PORT_ANY and reports it in address()', async () => {
      const { server, port } = await listen();
      expect(port).toBeGreaterThan(0);
      expect(port).not.toBe(PORT_ANY);
      expect(server.address()?.port).toBe(port);
    });

    it('reports both ends: the accepted socket sees the client port', async () => {
      const [server, client] = await pair();
      expect(server.remotePort).toBe(client.localPort);
      expect(client.remotePort).toBe(server.localPort);
      expect(client.remoteCid).toBe(target.serverCid);
      expect(server.address()).toEqual({ cid: server.localCid, port: server.localPort });
    });

    it('fails a connect to a port nobody listens on with ECONNRESET', async () => {
      const { server, port } = await listen();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await expect(
        connect({ cid: target.serverCid, port, transport: target.client }),
      ).rejects.toMatchObject({ code: 'ECONNRESET' });
    });

    it('fails a connect to an unreachable CID with a typed error', async () => {
      const error = await connect({
        cid: target.unreachableCid,
        port: 1234,
        transport: target.client,
        connectTimeout: 500,
      }).catch((e: unknown) => e);
      expect(target.unreachableCodes).toContain((error as { code?: string }).code);
    });

    it('fails a second listener on the same port with EADDRINUSE', async () => {
      const { port } = await listen();
      const second = createServer({ transport: target.server });
      await expect(second.listenAsync({ port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    });

    it('half-closes client → server: the server still answers after end', async () => {
      const { port } = await listen((socket) => {
        readAll(socket).then((data) => socket.end(`got ${data.length}`));
      }, true);
      const client = await dial(port, { allowHalfOpen: true });
      client.end(Buffer.alloc(1000, 1));
      expect((await readAll(client)).toString()).toBe('got 1000');
    });

    it('half-closes server → client: the client still sends after end', async () => {
      const received = new Promise<string>((resolve) => {
        listen((socket) => {
          socket.end('bye');
          readAll(socket).then((data) => resolve(data.toString()));
        }, true).then(({ port }) =>
          dial(port, { allowHalfOpen: true }).then(async (client) => {
            expect((await readAll(client)).toString()).toBe('bye');
            client.end('after end');
          }),
        );
      });
      expect(await received).toBe('after end');
    });

    it('moves 64 MiB with backpressure and an intact SHA-256', async () => {
      const payload = randomBytes(64 * 1024 * 1024);
      const digest = new Promise<string>((resolve) => {
        listen((socket) => {
          const hash = createHash('sha256');
          socket.on('data', (chunk: Buffer) => hash.update(chunk));
          socket.on('end', () => {
            resolve(hash.digest('hex'));
            socket.end();
          });
        }).then(({ port }) =>
          dial(port).then((client) => {
            let offset = 0;
            const pump = () => {
              while (offset < payload.length) {
                const chunk = payload.subarray(offset, offset + 64 * 1024);
                offset += chunk.length;
                if (!client.write(chunk)) return client.once('drain', pump);
              }
              client.end();
            };
            pump();
          }),
        );
      });
      expect(await digest).toBe(sha256(payload));
    }, 120_000);

    it('serves 1,000 concurrent connections', async () => {
      const { port } = await listen((socket) => socket.pipe(socket));
      const results = await Promise.all(
        Array.from({ length: 1000 }, async (_, i) => {
          // Concurrency, not connect latency, is under test: a loaded machine may take longer
          // than the default 2 s to answer all 1,000 at once.
          const client = await dial(port, { connectTimeout: 30_000 });
          client.end(`n${i}`);
          return (await readAll(client)).toString();
        }),
      );
      expect(results).toEqual(Array.from({ length: 1000 }, (_, i) => `n${i}`));
    }, 120_000);

    it('survives destroy during a large write', async () => {
      const [server, client] = await pair();
      server.on('error', () => {});
      client.write(Buffer.alloc(8 * 1024 * 1024));
      client.destroy();
      await once(client, 'close');
      server.resume();
      await closedOf(server);
    });

    it('keeps open connections when the server closes, and emits close after them', async () => {
      const [serverSocket, client] = await pair();
      const server = servers[0] as VsockServer;
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
      const { port } = await listen();
      const reason = new Error('cancelled');
      await expect(
        connect({
          cid: target.serverCid,
          port,
          transport: target.client,
          signal: AbortSignal.abort(reason),
        }),
      ).rejects.toBe(reason);
    });

    it('returns a connecting socket from createConnection; writes made before connect arrive', async () => {
      const { port } = await listen((socket) => socket.pipe(socket));
      const client = createConnection({ cid: target.serverCid, port, transport: target.client });
      sockets.push(client);
      expect(client.connecting).toBe(true);
      expect(client.readyState).toBe('opening');
      const connected = once(client, 'connect');
      client.end('written while connecting');
      await connected;
      expect(client.connecting).toBe(false);
      expect(client.remoteCid).toBe(target.serverCid);
      expect((await readAll(client)).toString()).toBe('written while connecting');
    });

    it('reports a refused createConnection as an error event', async () => {
      const { server, port } = await listen();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      const client = createConnection({ cid: target.serverCid, port, transport: target.client });
      const [error] = await once(client, 'error');
      expect(error).toMatchObject({ code: 'ECONNRESET' });
      expect(client.destroyed).toBe(true);
    });

    it('destroying a connecting socket cancels the connect, leaking nothing', async () => {
      const { port } = await listen((socket) => socket.destroy());
      const client = createConnection({ cid: target.serverCid, port, transport: target.client });
      let failed = false;
      client.on('error', () => {
        failed = true;
      });
      client.destroy();
      await once(client, 'close');
      expect(failed).toBe(false);
      expect(client.connecting).toBe(false);
    });

    it('counts bytes both ways', async () => {
      const { port } = await listen((socket) => socket.pipe(socket));
      const client = await dial(port);
      client.end(Buffer.alloc(4096, 7));
      await readAll(client);
      expect(client.bytesWritten).toBe(4096);
      expect(client.bytesRead).toBe(4096);
    });

    it('emits timeout after the idle time and stays open', async () => {
      const { port } = await listen();
      const client = await dial(port);
      client.setTimeout(50);
      await once(client, 'timeout');
      expect(client.destroyed).toBe(false);
    });

    it('refuses connections beyond maxConnections', async () => {
      const { server, port } = await listen();
      server.maxConnections = 1;
      await dial(port);
      const dropped = once(server, 'drop');
      const second = await dial(port);
      await dropped;
      await closedOf(second);
    });

    if (capabilities.bufferSizes !== false) {
      it('starts with the default 256 KiB stream buffer', async () => {
        const [server, client] = await pair();
        expect(client.getBufferSize()).toBe(262144);
        expect(server.getBufferSize()).toBe(262144);
      });

      it('keeps a buffer size above the default maximum on both ends', async () => {
        let accepted!: (socket: VsockSocket) => void;
        const serverSide = new Promise<VsockSocket>((resolve) => {
          accepted = resolve;
        });
        const server = createServer({ transport: target.server, bufferSize: 1 << 20 }, (socket) => {
          sockets.push(socket);
          accepted(socket);
        });
        servers.push(server);
        const { port } = await server.listenAsync();
        const client = await connect({
          cid: target.serverCid,
          port,
          transport: target.client,
          bufferSize: 2 << 20,
        });
        sockets.push(client);
        expect(client.getBufferSize()).toBe(2 << 20);
        expect((await serverSide).getBufferSize()).toBe(1 << 20);
      });
    }

    it('rejects a buffer size that is not a positive integer', async () => {
      await expect(
        connect({ cid: target.serverCid, port: 1, transport: target.client, bufferSize: 0 }),
      ).rejects.toMatchObject({
        code: 'ERR_OUT_OF_RANGE',
      });
      expect(() => createServer({ transport: target.server, bufferSize: -1 })).toThrowError(
        expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }),
      );
    });

    if (capabilities.hangingCid !== undefined) {
      const hangingCid = capabilities.hangingCid;

      it('times out a connect to a CID that does not answer with ETIMEDOUT', async () => {
        const started = Date.now();
        await expect(
          connect({ cid: hangingCid, port: 1, transport: target.client, connectTimeout: 200 }),
        ).rejects.toMatchObject({ code: 'ETIMEDOUT' });
        expect(Date.now() - started).toBeGreaterThanOrEqual(150);
      });

      it('aborts a pending connect with its signal, leaking nothing', async () => {
        const controller = new AbortController();
        const pending = connect({
          cid: hangingCid,
          port: 1,
          transport: target.client,
          connectTimeout: 10_000,
          signal: controller.signal,
        });
        setTimeout(() => controller.abort(new Error('user gave up')), 50);
        await expect(pending).rejects.toThrow('user gave up');
      });
    }

    if (capabilities.seqpacket !== false)
      describe('seqpacket', () => {
        it('keeps message boundaries, in order', async () => {
          const [server, client] = await messagePair();
          const received: string[] = [];
          server.on('message', (data) => received.push(data.toString()));
          const ended = once(server, 'end');
          await Promise.all(['a', 'bb', 'ccc'].map((m) => client.send(m)));
          client.end();
          await ended;
          expect(received).toEqual(['a', 'bb', 'ccc']);
        });

        it('iterates messages until the peer ends', async () => {
          const [server, client] = await messagePair();
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

        it('carries a message of exactly the limit whole', async () => {
          const [server, client] = await messagePair();
          const payload = randomBytes(client.maxMessageSize);
          const received = once(server, 'message');
          await client.send(payload);
          const [data] = (await received) as [Buffer];
          expect(sha256(data)).toBe(sha256(payload));
        });

        it('rejects a message above the limit with ERR_VMCI_MESSAGE_TOO_LARGE', async () => {
          const [, client] = await messagePair();
          await expect(client.send(Buffer.alloc(client.maxMessageSize + 1))).rejects.toMatchObject({
            code: 'ERR_VMCI_MESSAGE_TOO_LARGE',
          });
        });

        it('refuses an empty message, which the receiver could not tell from end of stream', async () => {
          const [, client] = await messagePair();
          await expect(client.send('')).rejects.toMatchObject({
            code: 'ERR_VMCI_INVALID_ARGUMENT',
          });
        });

        it('reports MSG_EOR to the receiver', async () => {
          const [server, client] = await messagePair();
          const received = once(server, 'message');
          await client.send('record', { endOfRecord: true });
          const [, info] = (await received) as [Buffer, { endOfRecord: boolean }];
          expect(info.endOfRecord).toBe(true);
        });

        it('closes both sides after both end', async () => {
          const [server, client] = await messagePair();
          server.on('end', () => server.end());
          const closed = Promise.all([once(server, 'close'), once(client, 'close')]);
          client.end();
          await closed;
        });
      });

    if (capabilities.seqpacket !== false && capabilities.bufferSizes !== false)
      describe('message sizes against buffers', () => {
        // The kernel refuses a message larger than the sender's or the receiver's buffer
        // (ENOMEM on Linux 6.1, EMSGSIZE later); the fake follows the same rule.

        it('connectSeqpacket({ bufferSize }) applies the buffer: it is the largest message', async () => {
          const [server, client] = await messagePair({ client: 1 << 20 });
          expect(client.maxMessageSize).toBe(1 << 20);
          expect(server.maxMessageSize).toBe(262144);
        });

        it('carries a 300 KiB message whole with 1 MiB buffers on both ends', async () => {
          const [server, client] = await messagePair({ server: 1 << 20, client: 1 << 20 });
          const payload = randomBytes(300 * 1024);
          const received = once(server, 'message');
          await client.send(payload);
          const [data] = (await received) as [Buffer];
          expect(sha256(data)).toBe(sha256(payload));
        });

        it("refuses a message larger than the receiver's buffer, sending nothing", async () => {
          const [server, client] = await messagePair({ client: 1 << 20 });
          await expect(client.send(Buffer.alloc(300 * 1024))).rejects.toMatchObject({
            code: 'ERR_VMCI_MESSAGE_TOO_LARGE',
          });
          const received = once(server, 'message');
          await client.send('next');
          const [data] = (await received) as [Buffer];
          expect(data.toString()).toBe('next');
        });

        it("refuses a message larger than the sender's own buffer", async () => {
          const [, client] = await messagePair({ server: 1 << 20, client: 65536 });
          await expect(client.send(Buffer.alloc(65537))).rejects.toMatchObject({
            code: 'ERR_VMCI_MESSAGE_TOO_LARGE',
          });
        });

        it('rejects a connectSeqpacket bufferSize that is not a positive integer', async () => {
          await expect(
            connectSeqpacket({
              cid: target.serverCid,
              port: 1,
              transport: target.client,
              bufferSize: 0,
            }),
          ).rejects.toMatchObject({ code: 'ERR_OUT_OF_RANGE' });
        });
      });
  });
  // API-level blocks (their own hooks: a sibling, so each test sets up one target).
  describeNetApiConformance(`transport conformance: ${name}`, setup, capabilities);
}
