/**
 * Host benchmark: the two kernel backends on AF_UNIX stream socketpairs (created through koffi)
 * against Node's own `net` on AF_UNIX (a path listener), same socket kind, one process.
 *
 *   pnpm bench            (in packages/sockets)   — or: tsx bench/run.ts
 *
 * SAFETY: AF_UNIX only. Nothing here creates, connects or sends on an AF_VSOCK socket — this
 * machine's vsock leads to infrastructure that is not ours (vsock numbers: bench/guest.ts, run
 * inside the nested VM).
 *
 * Environment: BENCH_RTT (round trips per run, default 50000), BENCH_BULK_MIB (default 1024),
 * BENCH_REPS (default 3; the median is reported).
 */
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { closeSocket } from '@vmci/ffi';
import { ChannelSocket } from '../src/channel-socket.js';
import { FdChannel } from '../src/kernel/fd-channel.js';
import { PipeVsockSocket } from '../src/kernel/pipe-socket.js';
import {
  bulk,
  destroyBoth,
  echo,
  formatRatio,
  median,
  type Pair,
  roundTrips,
  streamBenchConfig,
  table,
} from './lib.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const config = streamBenchConfig({
  roundTrips: 50_000,
  warmupRoundTrips: 2_000,
  bulkMiB: 1024,
  warmupBulkMiB: 16,
});

// --- socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC) through koffi -----------------
// koffi is @vmci/ffi's dependency, not ours: load it from there, typed just as much as used here.
interface Koffi {
  load(path: string): { func(signature: string): (...args: unknown[]) => unknown };
  errno(): number;
}
const requireFromFfi = createRequire(
  createRequire(import.meta.url).resolve('@vmci/ffi/package.json'),
);
const koffi = requireFromFfi('koffi') as Koffi;
const libc = koffi.load('libc.so.6');
const socketpairFn = libc.func('int socketpair(int, int, int, _Out_ int *sv)');
const AF_UNIX = 1;
const SOCK_STREAM = 1;
const SOCK_NONBLOCK = 0o4000;
const SOCK_CLOEXEC = 0o2000000;

function socketpair(): [number, number] {
  const sv = [0, 0];
  const rc = socketpairFn(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) as number;
  if (rc !== 0) throw new Error(`socketpair failed: errno ${koffi.errno()}`);
  return [sv[0] as number, sv[1] as number];
}

// Dummy vsock addresses: the wrappers only report them.
const local = { cid: 1, port: 1 };
const remote = { cid: 1, port: 2 };

// --- the three contenders ---------------------------------------------------------------------
interface Contender {
  readonly key: 'net' | 'pipe' | 'poll';
  readonly label: string;
  pair(): Promise<Pair>;
}

function kernelPair(wrap: (fd: number) => net.Socket | ChannelSocket): Pair {
  const [fd0, fd1] = socketpair();
  let a: net.Socket | ChannelSocket;
  try {
    a = wrap(fd0);
  } catch (error) {
    closeSocket(fd0);
    closeSocket(fd1);
    throw error;
  }
  const b = wrap(fd1);
  return { a, b, close: () => destroyBoth(a, b) };
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'vmci-bench-'));
const socketPath = path.join(tmp, 'net.sock');
const netServer = net.createServer();
const accepted: net.Socket[] = [];
netServer.on('connection', (socket) => accepted.push(socket));

const contenders: Contender[] = [
  {
    key: 'net',
    label: 'node net (AF_UNIX path)',
    async pair() {
      const a = net.connect(socketPath);
      await once(a, 'connect');
      while (accepted.length === 0) await once(netServer, 'connection');
      const b = accepted.shift() as net.Socket;
      return { a, b, close: () => destroyBoth(a, b) };
    },
  },
  {
    key: 'pipe',
    label: 'A: pipe_wrap net.Socket',
    pair: async () => kernelPair((fd) => new PipeVsockSocket(fd, () => local, remote)),
  },
  {
    key: 'poll',
    label: 'B: poll + ChannelSocket',
    pair: async () => kernelPair((fd) => new ChannelSocket(new FdChannel(fd, () => local, remote))),
  },
];

const gc = (globalThis as { gc?: () => void }).gc;

async function measureRoundTrip(contender: Contender): Promise<number> {
  const { a, b, close } = await contender.pair();
  echo(b);
  await roundTrips(a, config.warmupRoundTrips, config.messageBytes);
  const micros = await roundTrips(a, config.roundTrips, config.messageBytes);
  await close();
  return micros;
}

async function measureBulk(contender: Contender): Promise<number> {
  const { a, b, close } = await contender.pair();
  await bulk(a, b, config.warmupBulkBytes, config.chunkBytes);
  const mbps = await bulk(a, b, config.bulkBytes, config.chunkBytes);
  await close();
  return mbps;
}

async function main() {
  netServer.listen(socketPath);
  await once(netServer, 'listening');

  const rtt: Record<string, number[]> = { net: [], pipe: [], poll: [] };
  const mbps: Record<string, number[]> = { net: [], pipe: [], poll: [] };
  console.log(
    `node ${process.version} (${process.platform}-${process.arch}), ${os.cpus().length} CPUs; ` +
      `${config.roundTrips} round trips of ${config.messageBytes} B, ` +
      `${config.bulkBytes / 2 ** 20} MiB in ${config.chunkBytes / 1024} KiB writes, ${config.reps} runs each`,
  );
  for (let rep = 0; rep < config.reps; rep++) {
    // Rotate the order so that drift (thermal, other load) does not always favour one contender.
    const order = contenders.map((_, i) => contenders[(i + rep) % contenders.length] as Contender);
    for (const contender of order) {
      gc?.();
      const value = await measureRoundTrip(contender);
      rtt[contender.key]?.push(value);
      console.log(`  run ${rep + 1} round trip ${contender.label}: ${value.toFixed(2)} µs`);
    }
    for (const contender of order) {
      gc?.();
      const value = await measureBulk(contender);
      mbps[contender.key]?.push(value);
      console.log(`  run ${rep + 1} bulk       ${contender.label}: ${value.toFixed(0)} MB/s`);
    }
  }
  netServer.close();
  rmSync(tmp, { recursive: true, force: true });

  const rttNet = median(rtt.net as number[]);
  const bulkNet = median(mbps.net as number[]);
  const results: Record<string, unknown> = {};
  const rows = contenders.map((c) => {
    const r = median(rtt[c.key] as number[]);
    const m = median(mbps[c.key] as number[]);
    results[c.key] = {
      label: c.label,
      roundTripUs: {
        median: round(r),
        runs: (rtt[c.key] as number[]).map(round),
        ratioToNet: round(r / rttNet, 3),
      },
      bulkMBps: {
        median: round(m, 0),
        runs: (mbps[c.key] as number[]).map((v) => round(v, 0)),
        ratioToNet: round(m / bulkNet, 3),
      },
    };
    return [c.label, r.toFixed(2), formatRatio(r / rttNet), m.toFixed(0), formatRatio(m / bulkNet)];
  });
  console.log();
  console.log(table(['AF_UNIX stream', 'round trip µs', 'vs net', 'bulk MB/s', 'vs net'], rows));
  console.log(
    '\ngoals: A ≤ 1.05× net round trip, ≥ 0.95× net bulk; B within 1.2× (≤ 1.2× / ≥ 0.83×)',
  );

  // One entry per Node major in the same file, so runs under several Nodes sit side by side.
  const file = path.join(here, 'results-host.json');
  let all: Record<string, unknown> = {};
  try {
    all = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    // first run
  }
  all[`node${process.versions.node.split('.')[0]}`] = {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    config,
    results,
  };
  writeFileSync(file, `${JSON.stringify(all, null, 2)}\n`);
  console.log(`\nwrote ${path.relative(process.cwd(), file) || file}`);
}

const round = (value: number, digits = 2) => Number(value.toFixed(digits));

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
