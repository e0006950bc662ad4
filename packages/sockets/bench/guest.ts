/**
 * Guest benchmark: real AF_VSOCK over vsock_loopback (CID 1) inside the nested-VM harness, for
 * backend A (pipe) and backend B (poll) against a C baseline (bench/vsock-baseline.c, compiled
 * here with the host's gcc into /tmp), all in the same boot. From the repository root:
 *
 *   pnpm bench:vm          (this, then @vmci/cli's bench/vm.ts, in one boot; BENCH_VM_PARTS=sockets: only this)
 *   bash scripts/vm/run.sh node_modules/.bin/tsx packages/sockets/bench/guest.ts
 *
 * SAFETY: refuses to run unless /proc/cmdline carries vsock_harness_guest=1 (the harness guest has
 * no vsock device to the outside, only vsock_loopback). Never run vsock code on the host.
 *
 * Three groups, each timed the same way as bench/run.ts (64-byte ping-pong; bulk in 64 KiB writes
 * with backpressure, timed until the last byte is counted at the far end):
 *  - "client → C server": a Node client (A or B) or the C client against the C server (a separate
 *    process; echo for round trips, count-and-answer for bulk). Same server for all three, so the
 *    ratio isolates the client side. The same C server also listens on an AF_UNIX path, where the
 *    C client and Node's `net` client measure what `net` adds over C on AF_UNIX: the fair
 *    overhead ratio is (A or B → C − C↔C) on vsock over (net → C − C↔C) on AF_UNIX, per round
 *    trip and per byte (goal ≤ 1.1 for A, ≤ 1.3 for B).
 *  - "both ends in Node": client and server sockets of one backend in one Node process (as the
 *    host bench does), next to the C client + C server — and, for reference, Node's own `net`
 *    over AF_UNIX in the same process: what any Node socket costs per message under TCG.
 *  - bulk of the C, A and B clients against a C server whose buffers are BENCH_BUFFER_SIZES
 *    (SO_VM_SOCKETS_BUFFER_SIZE on both ends; default 256 KiB, 1 MiB, 4 MiB).
 *
 * Environment (pnpm bench:vm passes it into the guest): BENCH_RTT (default 5000), BENCH_BULK_MIB
 * (default 128), BENCH_REPS (default 3; median reported), BENCH_BUFFER_SIZES (bytes, comma-separated).
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { connect } from '../src/connect.js';
import { KernelTransport } from '../src/kernel/transport.js';
import { createServer, type VsockServer } from '../src/server.js';
import type { VsockSocket } from '../src/transport.js';
import { baselineClient, compileBaseline, startBaselineServer } from './baseline.js';
import {
  bulk,
  destroyBoth,
  echo,
  exitUnlessHarnessGuest,
  formatRatio,
  median,
  type Pair,
  roundTrips,
  streamBenchConfig,
  table,
  writeAll,
} from './lib.js';

exitUnlessHarnessGuest(
  'bench/guest.ts',
  'bash scripts/vm/run.sh node_modules/.bin/tsx packages/sockets/bench/guest.ts',
);

const here = path.dirname(fileURLToPath(import.meta.url));
const config = {
  ...streamBenchConfig({
    roundTrips: 5_000,
    warmupRoundTrips: 200,
    bulkMiB: 128,
    warmupBulkMiB: 4,
  }),
  /** Bulk A/B/C client → C server at these SO_VM_SOCKETS_BUFFER_SIZEs (both ends). */
  bufferSizes: (process.env.BENCH_BUFFER_SIZES ?? '262144,1048576,4194304')
    .split(',')
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0),
};
const LOOPBACK_CID = 1;

type Backend = 'pipe' | 'poll';
const transports: Record<Backend, KernelTransport> = {
  pipe: new KernelTransport({ backend: 'pipe' }),
  poll: new KernelTransport({ backend: 'poll' }),
};
const labels: Record<string, string> = {
  c: 'C client → C server',
  'pipe→c': 'A (pipe) client → C server',
  'poll→c': 'B (poll) client → C server',
  'cunix→cunix': 'AF_UNIX: C client → C server',
  'net→cunix': 'AF_UNIX: node net client → C server',
  'pipe↔pipe': 'A (pipe) ↔ A, one process',
  'poll↔poll': 'B (poll) ↔ B, one process',
  'net↔net': 'ref: node net AF_UNIX ↔ net, one process',
  'c-zc': 'C client with MSG_ZEROCOPY → C server',
};

// --- Node clients against the C server -------------------------------------------------------------
/** Where a client connects: a vsock port on CID 1 (backend A or B) or `net` to an AF_UNIX path. */
type Target = { kind: Backend; port: number; bufferSize?: number } | { kind: 'net'; path: string };

async function nodeClient(target: Target, mode: 'R' | 'B'): Promise<Duplex> {
  let socket: Duplex;
  if (target.kind === 'net') {
    const client = net.connect(target.path);
    await once(client, 'connect');
    socket = client;
  } else {
    socket = await connect({
      cid: LOOPBACK_CID,
      port: target.port,
      transport: transports[target.kind],
      ...(target.bufferSize !== undefined ? { bufferSize: target.bufferSize } : {}),
    });
  }
  socket.write(mode);
  return socket;
}

async function closeClient(socket: Duplex): Promise<void> {
  if (socket.closed) return; // e.g. ended by the peer: autoDestroy has closed it already
  const closed = once(socket, 'close');
  socket.destroy();
  await closed;
}

async function clientRoundTrips(target: Target): Promise<number> {
  const socket = await nodeClient(target, 'R');
  await roundTrips(socket, config.warmupRoundTrips, config.messageBytes);
  const micros = await roundTrips(socket, config.roundTrips, config.messageBytes);
  await closeClient(socket);
  return micros;
}

/** Writes `total` bytes, ends, and waits for the server's 8-byte count: MB/s. */
async function clientBulkOnce(target: Target, total: number): Promise<number> {
  const socket = await nodeClient(target, 'B');
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

async function clientBulk(target: Target): Promise<number> {
  await clientBulkOnce(target, config.warmupBulkBytes);
  return clientBulkOnce(target, config.bulkBytes);
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
type Cases = Record<string, () => Promise<number>>;

/** Runs every case `config.reps` times, the order rotating between runs; the values per case. */
async function measure(
  what: string,
  unit: string,
  cases: Cases,
  label: (key: string) => string,
): Promise<Record<string, number[]>> {
  const keys = Object.keys(cases);
  const values: Record<string, number[]> = Object.fromEntries(keys.map((k) => [k, []]));
  for (let rep = 0; rep < config.reps; rep++) {
    for (let i = 0; i < keys.length; i++) {
      const key = keys[(i + rep) % keys.length] as string;
      const value = await (cases[key] as () => Promise<number>)();
      values[key]?.push(value);
      console.log(`  run ${rep + 1} ${what} ${label(key)}: ${value.toFixed(1)} ${unit}`);
    }
  }
  return values;
}

const round = (value: number, digits = 2) => Number(value.toFixed(digits));

/**
 * The fair overhead ratio: what a client stack adds over C on vsock, against what Node's `net`
 * adds over C on AF_UNIX — (ours − C↔C vsock) / (net − C↔C AF_UNIX), in time per round trip or
 * per byte (bulk: the inverse of the throughput).
 */
const overheadRatio = (ours: number, c: number, net: number, cUnix: number) =>
  (ours - c) / (net - cUnix);

async function main() {
  await compileBaseline();
  const socketDir = mkdtempSync(path.join(os.tmpdir(), 'vmci-bench-c-'));
  const unixPath = path.join(socketDir, 'c.sock');
  const stops: (() => void)[] = [];
  const start = async (args: string[]) => {
    const server = await startBaselineServer(args);
    stops.push(server.stop);
    return server.port;
  };
  const port = await start(['server']);
  await start(['server', `unix:${unixPath}`]);
  const unixTarget = `unix:${unixPath}`;
  const rttCases: Cases = {
    c: () =>
      baselineClient([
        'rtt',
        String(port),
        String(config.roundTrips),
        String(config.warmupRoundTrips),
      ]),
    'pipe→c': () => clientRoundTrips({ kind: 'pipe', port }),
    'poll→c': () => clientRoundTrips({ kind: 'poll', port }),
    'cunix→cunix': () =>
      baselineClient([
        'rtt',
        unixTarget,
        String(config.roundTrips),
        String(config.warmupRoundTrips),
      ]),
    'net→cunix': () => clientRoundTrips({ kind: 'net', path: unixPath }),
    'pipe↔pipe': () => pairRoundTrips('pipe'),
    'poll↔poll': () => pairRoundTrips('poll'),
    'net↔net': () => pairRoundTrips('net'),
  };
  const cBulkZerocopy = (target: string, bytes: number, bufferSize?: number) =>
    baselineClient([
      'bulk-zc',
      target,
      String(bytes),
      String(Math.min(bytes, config.warmupBulkBytes)),
      ...(bufferSize !== undefined ? [String(bufferSize)] : []),
    ]);
  const cBulk = (target: string, bufferSize?: number) =>
    baselineClient([
      'bulk',
      target,
      String(config.bulkBytes),
      String(config.warmupBulkBytes),
      ...(bufferSize !== undefined ? [String(bufferSize)] : []),
    ]);
  const bulkCases: Cases = {
    c: () => cBulk(String(port)),
    'pipe→c': () => clientBulk({ kind: 'pipe', port }),
    'poll→c': () => clientBulk({ kind: 'poll', port }),
    'cunix→cunix': () => cBulk(unixTarget),
    'net→cunix': () => clientBulk({ kind: 'net', path: unixPath }),
    'pipe↔pipe': () => pairBulk('pipe'),
    'poll↔poll': () => pairBulk('poll'),
    'net↔net': () => pairBulk('net'),
  };
  // Bulk at larger buffers: a C server per size (accepted sockets inherit the listener's size).
  // The C client also sends with MSG_ZEROCOPY where the kernel has it for vsock (Linux >= 6.7).
  const zerocopy = await cBulkZerocopy(String(port), 64 * 1024).then(
    () => true,
    () => false,
  );
  const sizeCases: Cases = {};
  for (const size of config.bufferSizes) {
    const sizedPort = await start(['server', String(size)]);
    sizeCases[`c@${size}`] = () => cBulk(String(sizedPort), size);
    if (zerocopy)
      sizeCases[`c-zc@${size}`] = () => cBulkZerocopy(String(sizedPort), config.bulkBytes, size);
    sizeCases[`pipe→c@${size}`] = () =>
      clientBulk({ kind: 'pipe', port: sizedPort, bufferSize: size });
    sizeCases[`poll→c@${size}`] = () =>
      clientBulk({ kind: 'poll', port: sizedPort, bufferSize: size });
  }
  const sizeLabel = (key: string) => {
    const [who, size] = key.split('@') as [string, string];
    return `${labels[who]}, buffers ${Number(size) / 1024} KiB`;
  };

  console.log(
    `guest: node ${process.version}, kernel ${os.release()}, ${os.cpus().length} vCPUs (qemu TCG); ` +
      `${config.roundTrips} round trips of ${config.messageBytes} B, ` +
      `${config.bulkBytes / 2 ** 20} MiB in ${config.chunkBytes / 1024} KiB writes, ${config.reps} runs each`,
  );
  const started = performance.now();
  let rtt: Record<string, number[]>;
  let mbps: Record<string, number[]>;
  let sized: Record<string, number[]>;
  try {
    rtt = await measure('round trip', 'µs', rttCases, (k) => labels[k] as string);
    mbps = await measure('bulk', 'MB/s', bulkCases, (k) => labels[k] as string);
    sized = await measure('bulk', 'MB/s', sizeCases, sizeLabel);
  } finally {
    for (const stop of stops) stop();
    for (const entry of Object.values(servers)) entry?.server.close();
    if (netServer) {
      netServer.server.close();
      rmSync(netServer.dir, { recursive: true, force: true });
    }
    rmSync(socketDir, { recursive: true, force: true });
  }

  const keys = Object.keys(rttCases);
  const med = (values: Record<string, number[]>, key: string) => median(values[key] as number[]);
  const rttBase = med(rtt, 'c');
  const bulkBase = med(mbps, 'c');
  const results: Record<string, unknown> = {};
  const rows = keys.map((key) => {
    const r = med(rtt, key);
    const m = med(mbps, key);
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

  // The fair ratios (goal ≤ 1.1 for A, ≤ 1.3 for B).
  const fair: Record<string, { roundTrip: number; bulk: number }> = {};
  const perByte = (key: string) => 1 / med(mbps, key);
  for (const backend of ['pipe', 'poll'] as const) {
    fair[backend] = {
      roundTrip: round(
        overheadRatio(
          med(rtt, `${backend}→c`),
          rttBase,
          med(rtt, 'net→cunix'),
          med(rtt, 'cunix→cunix'),
        ),
        3,
      ),
      bulk: round(
        overheadRatio(
          perByte(`${backend}→c`),
          perByte('c'),
          perByte('net→cunix'),
          perByte('cunix→cunix'),
        ),
        3,
      ),
    };
  }
  console.log();
  console.log(
    table(
      ['fair overhead ratio: (ours→C − C↔C) vsock / (net→C − C↔C) AF_UNIX', 'round trip', 'bulk'],
      [
        [
          'A (pipe), goal ≤ 1.1',
          formatRatio(fair.pipe?.roundTrip ?? 0),
          formatRatio(fair.pipe?.bulk ?? 0),
        ],
        [
          'B (poll), goal ≤ 1.3',
          formatRatio(fair.poll?.roundTrip ?? 0),
          formatRatio(fair.poll?.bulk ?? 0),
        ],
      ],
    ),
  );

  const bufferRows = config.bufferSizes.map((size) => {
    const c = med(sized, `c@${size}`);
    const a = med(sized, `pipe→c@${size}`);
    const b = med(sized, `poll→c@${size}`);
    return [
      `${size / 1024} KiB`,
      c.toFixed(1),
      a.toFixed(1),
      formatRatio(a / c),
      b.toFixed(1),
      formatRatio(b / c),
    ];
  });
  console.log();
  console.log(
    table(['bulk → C server, buffers', 'C MB/s', 'A MB/s', 'A/C', 'B MB/s', 'B/C'], bufferRows),
  );
  console.log();
  if (zerocopy) {
    const zerocopyRows = config.bufferSizes.map((size) => {
      const c = med(sized, `c@${size}`);
      const z = med(sized, `c-zc@${size}`);
      return [`${size / 1024} KiB`, c.toFixed(1), z.toFixed(1), formatRatio(z / c)];
    });
    console.log(
      table(['C client, buffers', 'copying MB/s', 'MSG_ZEROCOPY MB/s', 'ratio'], zerocopyRows),
    );
  } else {
    console.log(`MSG_ZEROCOPY: not available for vsock on ${os.release()} (Linux >= 6.7 has it)`);
  }
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
        fairOverheadRatio: fair,
        bufferSizes: Object.fromEntries(
          Object.entries(sized).map(([key, runs]) => [
            key,
            { medianMBps: round(median(runs), 1), runs: runs.map((v) => round(v, 1)) },
          ]),
        ),
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
