/**
 * Shared by the proxy tests: event capture, small servers on TCP and vsock, and byte helpers.
 * Vsock here is always a testkit transport (in memory): this machine is a VM and host tests must
 * never touch its AF_VSOCK.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import {
  connect as connectNet,
  createServer as createNetServer,
  type Server,
  type Socket,
} from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { createServer as createVsockServer, type Transport, type VsockServer } from '@vmci/sockets';
import { afterEach } from 'vitest';
import type { ProxyEvent, ProxyEventName } from '../../src/log.js';
import { type ProxyOptions, type RunningProxy, startProxy } from '../../src/start-proxy.js';

/**
 * The route most proxy tests take: from a free TCP port on 127.0.0.1 to vsock port 5000 of VM 3,
 * with exactly that target allowed. Spread it and add the transport and what the test varies.
 */
export const tcpToVm3: Pick<ProxyOptions, 'from' | 'to' | 'allow'> = {
  from: 'tcp:0',
  to: 'vsock:3:5000',
  allow: ['vsock:3:5000'],
};

/** Events as they arrive, with a way to wait for one. */
export class EventLog {
  readonly events: ProxyEvent[] = [];
  private waiters: {
    match: (event: ProxyEvent) => boolean;
    resolve: (event: ProxyEvent) => void;
  }[] = [];

  readonly push = (event: ProxyEvent): void => {
    this.events.push(event);
    for (const waiter of [...this.waiters]) {
      if (waiter.match(event)) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve(event);
      }
    }
  };

  /** The first event (already seen or coming) with this name and these fields. */
  waitFor(
    name: ProxyEventName,
    fields: Partial<ProxyEvent> = {},
    timeoutMs = 5000,
  ): Promise<ProxyEvent> {
    const match = (event: ProxyEvent) =>
      event.event === name &&
      Object.entries(fields).every(([key, value]) => event[key as keyof ProxyEvent] === value);
    const seen = this.events.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((waiter) => waiter.resolve !== done);
        reject(
          new Error(
            `no '${name}' event ${JSON.stringify(fields)} within ${timeoutMs} ms; seen: ${JSON.stringify(this.events)}`,
          ),
        );
      }, timeoutMs);
      const done = (event: ProxyEvent) => {
        clearTimeout(timer);
        resolve(event);
      };
      this.waiters.push({ match, resolve: done });
    });
  }

  named(name: ProxyEventName): ProxyEvent[] {
    return this.events.filter((event) => event.event === name);
  }
}

/**
 * An IO (the CLI's shape) that keeps stderr; `lines()` parses it as JSON lines into an
 * {@link EventLog}.
 */
export function captureIo() {
  let stdout = '';
  let stderr = '';
  const log = new EventLog();
  let pending = '';
  const io = {
    stdout: (text: string) => {
      stdout += text;
    },
    stderr: (text: string) => {
      stderr += text;
      pending += text;
      let newline = pending.indexOf('\n');
      while (newline >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        if (line.startsWith('{')) log.push(JSON.parse(line) as ProxyEvent);
        newline = pending.indexOf('\n');
      }
    },
    isTTY: false,
  };
  return { io, log, stdout: () => stdout, stderr: () => stderr };
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export { randomBytes };

/** Everything the socket sends until it ends (its own side stays open: no async iterator). */
export function readAll(socket: Duplex): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('end', () => resolve(Buffer.concat(chunks)));
    socket.once('error', reject);
  });
}

/** Sends `data` and ends our side, while reading everything the peer sends until its end. */
export function exchange(socket: Duplex, data: Buffer): Promise<Buffer> {
  const reply = readAll(socket);
  socket.end(data);
  return reply;
}

/** Resolves when the socket has closed (immediately when it already has). */
export function closed(socket: Duplex): Promise<void> {
  if (socket.closed) return Promise.resolve();
  return new Promise((resolve) => socket.once('close', () => resolve()));
}

/**
 * Resolves when the peer is gone: the socket's input ended (a FIN; half-open sockets stay
 * writable) or the socket closed (a reset).
 */
export function peerGone(socket: Duplex): Promise<void> {
  if (socket.readableEnded || socket.closed) return Promise.resolve();
  return new Promise((resolve) => {
    socket.once('end', () => resolve());
    socket.once('close', () => resolve());
    socket.resume();
  });
}

/** Connects to a TCP port and waits until the peer is gone, whether or not the connect completed. */
export function tcpConnectionTurnedAway(port: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = connectNet({ host: '127.0.0.1', port });
    socket.on('error', () => {});
    socket.once('close', () => resolve());
    socket.once('end', () => socket.destroy());
    socket.resume();
  });
}

/**
 * Serves `handler` on a vsock port of `transport`; `close()` also destroys open connections.
 */
export async function vsockService(
  transport: Transport,
  port: number,
  handler: (socket: Duplex) => void,
): Promise<{ server: VsockServer; port: number; close(): Promise<void> }> {
  const sockets = new Set<Duplex>();
  const server = createVsockServer({ transport, allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    handler(socket);
  });
  const bound = await server.listenAsync({ port });
  return {
    server,
    port: bound.port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A TCP (or, with `path`, Unix) server on localhost; `close()` destroys open connections too. */
export async function netService(
  handler: (socket: Socket) => void,
  where: { path: string } | { host: string; port: number } = { host: '127.0.0.1', port: 0 },
): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createNetServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    handler(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(where, () => resolve());
  });
  const address = server.address();
  return {
    server,
    port: typeof address === 'object' && address ? address.port : 0,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** An echo handler: every byte back, and an end for an end. */
export const echo = (socket: Duplex) => socket.pipe(socket);

/** Connects a TCP client (half-open) and waits for the connection. */
export function tcpClient(port: number, host = '127.0.0.1'): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connectNet({ host, port, allowHalfOpen: true }, () => {
      socket.off('error', reject);
      // Resets by the proxy are expected in some tests; they look at 'close' or readAll instead.
      socket.on('error', () => {});
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** Connects a Unix socket client (half-open). */
export function unixClient(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connectNet({ path, allowHalfOpen: true }, () => {
      socket.off('error', reject);
      socket.on('error', () => {});
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** Leaves a Unix socket file behind whose listener died (a SIGKILLed process does not unlink). */
export async function staleUnixSocket(path: string): Promise<void> {
  const script = `require('node:net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`;
  await new Promise<void>((resolve) => {
    execFile(process.execPath, ['-e', script], () => resolve());
  });
}

/** A fresh temporary directory; `remove()` deletes it. */
export function tempDir(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'vmci-proxy-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Per-test proxies and servers that are closed after each test (before the hypervisor's leak
 * check, which runs in an afterEach registered earlier and so later).
 */
export function useProxyFixture() {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  const defer = (cleanup: () => unknown) => cleanups.push(cleanup);
  return {
    defer,
    /** Starts a proxy that records its events; closed after the test. */
    async proxy(
      options: ProxyOptions,
    ): Promise<{ proxy: RunningProxy; log: EventLog; port: number }> {
      const log = new EventLog();
      const running = await startProxy({ ...options, onEvent: log.push });
      defer(() => running.close());
      return { proxy: running, log, port: 'port' in running.from ? running.from.port : 0 };
    },
    async vsockService(...args: Parameters<typeof vsockService>) {
      const service = await vsockService(...args);
      defer(() => service.close());
      return service;
    },
    async netService(...args: Parameters<typeof netService>) {
      const service = await netService(...args);
      defer(() => service.close());
      return service;
    },
    tempDir() {
      const dir = tempDir();
      defer(() => dir.remove());
      return dir;
    },
  };
}
