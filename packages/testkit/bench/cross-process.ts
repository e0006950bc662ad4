/**
 * The cross-process path against the in-process fake and a plain Unix socket, in one run: round
 * trips of 64 bytes, bulk with 64 KiB writes, and 1,000 concurrent connections across processes
 * with the memory they take. The served hypervisor runs in a child process (`vmci-testkit serve`);
 * client and server here join it through RemoteTransport, so each byte crosses processes twice.
 * Run: `pnpm bench:cross` (no AF_VSOCK is used anywhere).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { connect, createServer, type Transport } from '@vmci/sockets';
import { createHypervisor } from '../src/index.js';
import { RemoteTransport } from '../src/remote.js';

type Duplexish = NodeJS.ReadableStream & NodeJS.WritableStream & { destroy(): void };
interface Path {
  readonly name: string;
  /** Starts an echo/sink server; returns a dialer and a stop function. */
  start(): Promise<{ dial(): Promise<Duplexish>; stop(): Promise<void> }>;
}

async function roundTrips(socket: Duplexish, count: number): Promise<number> {
  const message = Buffer.alloc(64, 7);
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    socket.write(message);
    let got = 0;
    while (got < message.length) {
      const [chunk] = (await once(socket, 'data')) as [Buffer];
      got += chunk.length;
    }
  }
  return Number(process.hrtime.bigint() - started) / 1000 / count;
}

async function bulk(socket: Duplexish, bytes: number): Promise<number> {
  const chunk = Buffer.alloc(64 * 1024, 1);
  let received = 0;
  const done = new Promise<void>((resolve) => {
    socket.on('data', (data: Buffer) => {
      received += data.length;
      if (received >= bytes) resolve();
    });
  });
  const started = process.hrtime.bigint();
  for (let sent = 0; sent < bytes; sent += chunk.length)
    if (!socket.write(chunk)) await once(socket, 'drain');
  await done;
  return bytes / (Number(process.hrtime.bigint() - started) / 1e9) / 1e6;
}

function vsockPath(
  name: string,
  server: () => Transport,
  client: () => Transport,
  cid: number,
): Path {
  return {
    name,
    async start() {
      const echo = createServer({ transport: server() }, (socket) => socket.pipe(socket));
      const { port } = await echo.listenAsync();
      return {
        dial: () => connect({ cid, port, transport: client() }) as Promise<Duplexish>,
        stop: () => new Promise<void>((resolve) => echo.close(() => resolve())),
      };
    },
  };
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'vmci-bench-'));
  const socketPath = join(dir, 'hv.sock');
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      fileURLToPath(new URL('../src/serve-cli.ts', import.meta.url)),
      'serve',
      socketPath,
      '--vm',
      '3',
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const [ready] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
  if (!ready.startsWith('serving')) throw new Error(ready);

  const hv = createHypervisor();
  const vm = hv.addVM({ cid: 3 });
  const remoteHost = new RemoteTransport({ path: socketPath, cid: 2 });
  const remoteVm = new RemoteTransport({ path: socketPath, cid: 3 });
  const unixPath = join(dir, 'plain.sock');
  const paths: Path[] = [
    {
      name: 'plain Unix socket',
      async start() {
        const server = net.createServer((socket) => socket.pipe(socket));
        await new Promise<void>((resolve) => server.listen(unixPath, resolve));
        return {
          dial: async () => {
            const socket = net.connect(unixPath);
            await once(socket, 'connect');
            return socket;
          },
          stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
        };
      },
    },
    vsockPath(
      'testkit in-process',
      () => hv.host.transport,
      () => vm.transport,
      2,
    ),
    vsockPath(
      'testkit across processes',
      () => remoteHost,
      () => remoteVm,
      2,
    ),
  ];
  console.log(
    `Node ${process.version}; round trip 64 B (µs, mean of 2,000); bulk 256 MiB echo (MB/s each way)`,
  );
  for (const path of paths) {
    const { dial, stop } = await path.start();
    const a = await dial();
    await roundTrips(a, 200); // warm-up
    const rtt = await roundTrips(a, 2000);
    a.destroy();
    const b = await dial();
    const mbps = await bulk(b, 256 * 1024 * 1024);
    b.destroy();
    await stop();
    console.log(
      `  ${path.name.padEnd(28)} round trip ${rtt.toFixed(1).padStart(6)} µs   bulk ${mbps.toFixed(0).padStart(5)} MB/s`,
    );
  }

  // 1,000 concurrent connections across processes, and what they cost here.
  const { dial, stop } = await (paths[2] as Path).start();
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const rssBefore = process.memoryUsage().rss;
  const started = process.hrtime.bigint();
  const sockets = await Promise.all(Array.from({ length: 1000 }, () => dial()));
  await Promise.all(
    sockets.map(async (socket, i) => {
      socket.write(`n${i}`);
      await once(socket, 'data');
    }),
  );
  const openMs = Number(process.hrtime.bigint() - started) / 1e6;
  global.gc?.();
  const heap = (process.memoryUsage().heapUsed - heapBefore) / 1000;
  const rss = (process.memoryUsage().rss - rssBefore) / 1000;
  console.log(
    `  1,000 connections across processes: open + one echo each ${openMs.toFixed(0)} ms; this process +${(heap / 1024).toFixed(1)} KiB heap, +${(rss / 1024).toFixed(1)} KiB RSS per connection (both ends are here)`,
  );
  for (const socket of sockets) socket.destroy();
  await stop();
  child.kill('SIGTERM');
  await once(child, 'exit');
  rmSync(dir, { recursive: true, force: true });
}

await main();
