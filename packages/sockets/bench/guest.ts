/**
 * Guest benchmark: real AF_VSOCK over vsock_loopback (CID 1) inside the nested-VM harness, for
 * backend A (pipe) and backend B (poll) against a C baseline (bench/vsock-baseline.c, compiled
 * here with the host's gcc into /tmp), all in the same boot. From the repository root:
 *
 *   bash scripts/vm/run.sh node_modules/.bin/tsx packages/sockets/bench/guest.ts
 *
 * SAFETY: refuses to run unless /proc/cmdline carries vsock_harness_guest=1 (the harness guest has
 * no vsock device to the outside, only vsock_loopback). Never run vsock code on the host.
 *
 * Two groups, each timed the same way as bench/run.ts (64-byte ping-pong; bulk in 64 KiB writes
 * with backpressure, timed until the last byte is counted at the far end):
 *  - "client → C server": a Node client (A or B) or the C client against the C server (a separate
 *    process; echo for round trips, count-and-answer for bulk). Same server for all three, so the
 *    ratio isolates the client side.
 *  - "both ends in Node": client and server sockets of one backend in one Node process (as the
 *    host bench does), next to the C client + C server — and, for reference, Node's own `net`
 *    over AF_UNIX in the same process: what any Node socket costs per message under TCG.
 *
 * Environment (pass it into the guest with VM_PASS_ENV="BENCH_RTT BENCH_BULK_MIB BENCH_REPS"):
 * BENCH_RTT (default 5000), BENCH_BULK_MIB (default 128), BENCH_REPS (default 3; median reported).
 */
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { harnessMarker, inHarnessGuest } from '@vmci/ffi/harness';
import { connect } from '../src/connect.js';
import { KernelTransport } from '../src/kernel/transport.js';
import { createServer, type VsockServer } from '../src/server.js';
import type { VsockSocket } from '../src/transport.js';
import {
  bulk,
  destroyBoth,
  echo,
  formatRatio,
  intEnv,
  median,
  type Pair,
  roundTrips,
  table,
  writeAll,
} from './lib.js';

if (!inHarnessGuest()) {
  console.error(
    `bench/guest.ts: refusing to run: no '${harnessMarker}' on /proc/cmdline. This connects AF_VSOCK ` +
      'sockets and must run inside the nested-VM harness: ' +
      'bash scripts/vm/run.sh node_modules/.bin/tsx packages/sockets/bench/guest.ts',
  );
  process.exit(2);
}

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const config = {
  roundTrips: intEnv('BENCH_RTT', 5_000),
  warmupRoundTrips: 200,
  messageBytes: 64,
  bulkBytes: intEnv('BENCH_BULK_MIB', 128) * 1024 * 1024,
  warmupBulkBytes: 4 * 1024 * 1024,
  chunkBytes: 64 * 1024,
  reps: intEnv('BENCH_REPS', 3),
};
const LOOPBACK_CID = 1;
const baselineBinary = path.join(os.tmpdir(), 'vsock-baseline');

type Backend = 'pipe' | 'poll';
const transports: Record<Backend, KernelTransport> = {
  pipe: new KernelTransport({ backend: 'pipe' }),
  poll: new KernelTransport({ backend: 'poll' }),
};
const labels: Record<string, string> = {
  c: 'C client → C server',
  'pipe→c': 'A (pipe) client → C server',
  'poll→c': 'B (poll) client → C server',
  'pipe↔pipe': 'A (pipe) ↔ A, one process',
  'poll↔poll': 'B (poll) ↔ B, one process',
  'net↔net': 'ref: node net AF_UNIX ↔ net, one process',
};

// --- the C baseline -------------------------------------------------------------------------------
async function startBaselineServer(): Promise<{ port: number; stop(): void }> {
  await run('gcc', ['-O2', '-Wall', '-o', baselineBinary, path.join(here, 'vsock-baseline.c')]);
  const child = spawn(baselineBinary, ['server'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const [line] = (await Promise.race([
    once(lines, 'line'),
    once(child, 'exit').then(([code]) => {
      throw new Error(`vsock-baseline server exited (${code})`);
    }),
  ])) as [string];
  const port = Number(/^listening (\d+)$/.exec(line)?.[1]);
  if (!Number.isInteger(port)) throw new Error(`vsock-baseline server said: ${line}`);
  lines.close();
  return { port, stop: () => child.kill() };
}

async function baselineClient(args: string[]): Promise<number> {
  const { stdout } = await run(baselineBinary, args);
  return Number(stdout.trim());
}

// --- Node clients against the C server -------------------------------------------------------------
async function nodeClient(backend: Backend, port: number, mode: 'R' | 'B'): Promise<VsockSocket> {
  const socket = await connect({ cid: LOOPBACK_CID, port, transport: transports[backend] });
  socket.write(mode);
  return socket;
}

async function closeClient(socket: VsockSocket): Promise<void> {
  if (socket.closed) return; // e.g. ended by the peer: autoDestroy has closed it already
  const closed = once(socket, 'close');
  socket.destroy();
  await closed;
}

async function clientRoundTrips(backend: Backend, port: number): Promise<number> {
  const socket = await nodeClient(backend, port, 'R');
  await roundTrips(socket, config.warmupRoundTrips, config.messageBytes);
  const micros = await roundTrips(socket, config.roundTrips, config.messageBytes);
  await closeClient(socket);
  return micros;
}

/** Writes `total` bytes, ends, and waits for the server's 8-byte count: MB/s. */
async function clientBulkOnce(backend: Backend, port: number, total: number): Promise<number> {
  const socket = await nodeClient(backend, port, 'B');
  const answer: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => answer.push(chunk));
  const ended = once(socket, 'end');
  const start = performance.now();
  await writeAll(socket, total, config.chunkBytes);
  socket.end();
  await ended;
  const seconds = (performance.now() - start) / 1000;
  const count = Buffer.concat(answer).readBigUInt64LE(0);
  if (count < BigInt(total)) throw new Error(`C server counted ${count} of ${total} bytes`);
  await closeClient(socket);
  return total / seconds / 1e6;
}

async function clientBulk(backend: Backend, port: number): Promise<number> {
  await clientBulkOnce(backend, port, config.warmupBulkBytes);
  return clientBulkOnce(backend, port, config.bulkBytes);
}

// --- both ends in this process -------------------------------------------------------------------
const servers: Partial<
  Record<Backend, { server: VsockServer; port: number; accepted: VsockSocket[] }>
> = {};

async function nodePair(backend: Backend): Promise<Pair> {
  let entry = servers[backend];
  if (!entry) {
    const accepted: VsockSocket[] = [];
    const server = createServer({ transport: transports[backend] }, (s) => accepted.push(s));
    const { port } = await server.listenAsync({});
    entry = { server, port, accepted };
    servers[backend] = entry;
  }
  const a = await connect({ cid: LOOPBACK_CID, port: entry.port, transport: transports[backend] });
  while (entry.accepted.length === 0) await once(entry.server, 'connection');
  const b = entry.accepted.shift() as VsockSocket;
  return { a, b, close: () => destroyBoth(a, b) };
}

let netServer:
  | { server: net.Server; dir: string; path: string; accepted: net.Socket[] }
  | undefined;

/** Reference: Node's own net over AF_UNIX (a path listener), both ends in this process. */
async function netPair(): Promise<Pair> {
  if (!netServer) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'vmci-bench-'));
    const accepted: net.Socket[] = [];
    const server = net.createServer((s) => accepted.push(s));
    const socketPath = path.join(dir, 'net.sock');
    server.listen(socketPath);
    await once(server, 'listening');
    netServer = { server, dir, path: socketPath, accepted };
  }
  const a = net.connect(netServer.path);
  await once(a, 'connect');
  while (netServer.accepted.length === 0) await once(netServer.server, 'connection');
  const b = netServer.accepted.shift() as net.Socket;
  return { a, b, close: () => destroyBoth(a, b) };
}

const pairOf = (backend: Backend | 'net') => (backend === 'net' ? netPair() : nodePair(backend));

async function pairRoundTrips(backend: Backend | 'net'): Promise<number> {
  const { a, b, close } = await pairOf(backend);
  echo(b);
  await roundTrips(a, config.warmupRoundTrips, config.messageBytes);
  const micros = await roundTrips(a, config.roundTrips, config.messageBytes);
  await close();
  return micros;
}

async function pairBulk(backend: Backend | 'net'): Promise<number> {
  const { a, b, close } = await pairOf(backend);
  await bulk(a, b, config.warmupBulkBytes, config.chunkBytes);
  const mbps = await bulk(a, b, config.bulkBytes, config.chunkBytes);
  await close();
  return mbps;
}

// --- main ----------------------------------------------------------------------------------------
async function main() {
  const baseline = await startBaselineServer();
  const { port } = baseline;
  const rttCases: Record<string, () => Promise<number>> = {
    c: () =>
      baselineClient([
        'rtt',
        String(port),
        String(config.roundTrips),
        String(config.warmupRoundTrips),
      ]),
    'pipe→c': () => clientRoundTrips('pipe', port),
    'poll→c': () => clientRoundTrips('poll', port),
    'pipe↔pipe': () => pairRoundTrips('pipe'),
    'poll↔poll': () => pairRoundTrips('poll'),
    'net↔net': () => pairRoundTrips('net'),
  };
  const bulkCases: Record<string, () => Promise<number>> = {
    c: () =>
      baselineClient([
        'bulk',
        String(port),
        String(config.bulkBytes),
        String(config.warmupBulkBytes),
      ]),
    'pipe→c': () => clientBulk('pipe', port),
    'poll→c': () => clientBulk('poll', port),
    'pipe↔pipe': () => pairBulk('pipe'),
    'poll↔poll': () => pairBulk('poll'),
    'net↔net': () => pairBulk('net'),
  };
  const keys = Object.keys(rttCases);
  const rtt: Record<string, number[]> = Object.fromEntries(keys.map((k) => [k, []]));
  const mbps: Record<string, number[]> = Object.fromEntries(keys.map((k) => [k, []]));

  console.log(
    `guest: node ${process.version}, kernel ${os.release()}, ${os.cpus().length} vCPUs (qemu TCG); ` +
      `${config.roundTrips} round trips of ${config.messageBytes} B, ` +
      `${config.bulkBytes / 2 ** 20} MiB in ${config.chunkBytes / 1024} KiB writes, ${config.reps} runs each`,
  );
  const started = performance.now();
  try {
    for (let rep = 0; rep < config.reps; rep++) {
      const order = keys.map((_, i) => keys[(i + rep) % keys.length] as string);
      for (const key of order) {
        const value = await (rttCases[key] as () => Promise<number>)();
        rtt[key]?.push(value);
        console.log(`  run ${rep + 1} round trip ${labels[key]}: ${value.toFixed(1)} µs`);
      }
      for (const key of order) {
        const value = await (bulkCases[key] as () => Promise<number>)();
        mbps[key]?.push(value);
        console.log(`  run ${rep + 1} bulk       ${labels[key]}: ${value.toFixed(1)} MB/s`);
      }
    }
  } finally {
    baseline.stop();
    for (const entry of Object.values(servers)) entry?.server.close();
    if (netServer) {
      netServer.server.close();
      rmSync(netServer.dir, { recursive: true, force: true });
    }
  }

  const rttBase = median(rtt.c as number[]);
  const bulkBase = median(mbps.c as number[]);
  const round = (value: number, digits = 2) => Number(value.toFixed(digits));
  const results: Record<string, unknown> = {};
  const rows = keys.map((key) => {
    const r = median(rtt[key] as number[]);
    const m = median(mbps[key] as number[]);
    results[key] = {
      label: labels[key],
      roundTripUs: {
        median: round(r, 1),
        runs: (rtt[key] as number[]).map((v) => round(v, 1)),
        ratioToBaseline: round(r / rttBase, 3),
      },
      bulkMBps: {
        median: round(m, 1),
        runs: (mbps[key] as number[]).map((v) => round(v, 1)),
        ratioToBaseline: round(m / bulkBase, 3),
      },
    };
    return [
      labels[key] as string,
      r.toFixed(1),
      formatRatio(r / rttBase),
      m.toFixed(1),
      formatRatio(m / bulkBase),
    ];
  });
  console.log();
  console.log(
    table(['vsock loopback (guest)', 'round trip µs', 'vs C', 'bulk MB/s', 'vs C'], rows),
  );
  console.log(`\nmeasured in ${((performance.now() - started) / 1000).toFixed(0)} s`);

  const file = path.join(here, 'results-guest.json');
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        node: process.version,
        kernel: os.release(),
        vcpus: os.cpus().length,
        accel: 'qemu TCG (scripts/vm/run.sh), vsock_loopback CID 1',
        baseline: 'bench/vsock-baseline.c (gcc -O2), blocking, server forks per connection',
        config,
        results,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`wrote ${path.relative(process.cwd(), file) || file}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
