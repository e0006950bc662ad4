/**
 * What users feel, measured on real AF_VSOCK inside the nested-VM harness guest, each against a
 * baseline in the same boot: `vmci send` → `vmci recv` against `socat -u`; `vmci proxy`
 * (TCP → vsock) against socat relaying the same path; connects + accepts per second against C;
 * memory per connection at 10,000 open connections against `net` over TCP loopback.
 * Run by `pnpm bench:vm` (scripts/bench-vm.sh), after packages/sockets/bench/guest.ts.
 *
 * SAFETY: refuses to run unless /proc/cmdline carries vsock_harness_guest=1.
 *
 * The `vmci` processes are the bundle (`node packages/cli/bin/vmci.js`, built on the host by
 * scripts/bench-vm.sh), as users run it. Knobs (scripts/bench-vm.sh passes them into the guest):
 * BENCH_FILE_MIB (1024), BENCH_PROXY_MIB (256), BENCH_PROXY_RTT (round trips per concurrency
 * level, 3000), BENCH_CONCURRENCY ("1,30,300"), BENCH_CONNECTS (1000), BENCH_HOLD (10000),
 * BENCH_REPS (3; transfers and relays; medians reported), BENCH_PROXY_BASE (another bundle's
 * bin.js that also relays, as path `base`).
 *
 * Roles (used by the bench itself, in child processes): `vm.ts closer <backend>` accepts and
 * closes at once; `vm.ts hold <pipe|poll|net> <count>` holds `count` open connections.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { connect, createServer, KernelTransport } from '@vmci/sockets';
import {
  baselineClient,
  compileBaseline,
  startBaselineServer,
} from '../../sockets/bench/baseline.js';
import {
  exitUnlessHarnessGuest,
  formatRatio,
  intEnv,
  median,
  table,
  writeAll,
} from '../../sockets/bench/lib.js';

exitUnlessHarnessGuest('bench/vm.ts', 'pnpm bench:vm');

const here = path.dirname(fileURLToPath(import.meta.url));
const vmciBin = path.join(here, '..', 'bin', 'vmci.js');
const LOOPBACK_CID = 1;
const MiB = 1024 * 1024;
const config = {
  fileBytes: intEnv('BENCH_FILE_MIB', 1024) * MiB,
  proxyBulkBytes: intEnv('BENCH_PROXY_MIB', 256) * MiB,
  proxyRoundTrips: intEnv('BENCH_PROXY_RTT', 3000),
  concurrency: (process.env.BENCH_CONCURRENCY ?? '1,30,300')
    .split(',')
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0),
  connects: intEnv('BENCH_CONNECTS', 1000),
  hold: intEnv('BENCH_HOLD', 10_000),
  reps: intEnv('BENCH_REPS', 3),
  /** Which parts run (default all): transfer proxy setup memory. */
  parts: new Set((process.env.BENCH_CLI_PARTS ?? 'transfer proxy setup memory').split(/[\s,]+/)),
  /** `vmci send`/`recv` also run with `--buffer-size` at each of these (bytes; default none). */
  transferBufferSizes: (process.env.BENCH_TRANSFER_BUFFER_SIZES ?? '')
    .split(',')
    .filter((n) => n !== '')
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0),
  /**
   * Other vmci bundles' bin.js, comma-separated (e.g. built from older commits with `tsx build.ts
   * --outdir DIR`): their `send` → `recv` run too, alternating with this one — before/after in
   * one boot. Each row is named after its bundle's directory.
   */
  transferBaseBins: (process.env.BENCH_VMCI_BASE ?? '').split(',').filter((bin) => bin !== ''),
  /** BENCH_PROXY_BASE=bin.js: another commit's bundle also relays, as path `base` (same boot). */
  proxyBaseBin: process.env.BENCH_PROXY_BASE ?? '',
  /**
   * BENCH_PROXY_BUFFER_SIZE=BYTES: one more path, `sized` — `vmci proxy --buffer-size BYTES` to a
   * C server whose buffers are BYTES too (bytes in flight are capped by the smaller of both
   * ends'), in the same boot as the others.
   */
  proxyBufferSize: intEnv('BENCH_PROXY_BUFFER_SIZE', 0),
};
/** A relay or transfer that takes longer than this is a stall: it is stopped and reported. */
const STALL_MS = 600_000;

const round = (value: number, digits = 2) => Number(value.toFixed(digits));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// --- child processes --------------------------------------------------------------------------------
interface Child {
  readonly child: ChildProcess;
  readonly exited: Promise<number>;
  output(): string;
}

/**
 * Spawns a process; `exited` resolves with its status (rejects after STALL_MS, unless `server`:
 * a server the bench stops itself lives as long as the part that uses it). With `stderrFile`, its
 * stderr goes to that file (read back by `output()`) instead of a pipe: a busy bench reads a pipe
 * late, and a child that writes its stderr synchronously (Node does, to pipes) waits for it.
 */
function start(
  command: string,
  args: readonly string[],
  server = false,
  stderrFile?: string,
): Child {
  const stderrFd = stderrFile === undefined ? undefined : openSync(stderrFile, 'w');
  const child = spawn(command, [...args], {
    stdio: ['ignore', 'pipe', stderrFd ?? 'pipe'],
  });
  if (stderrFd !== undefined) closeSync(stderrFd);
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    text += chunk;
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    text += chunk;
  });
  const exited = new Promise<number>((resolve, reject) => {
    const timer = server
      ? undefined
      : setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`${command} ${args.join(' ')} stalled for ${STALL_MS} ms:\n${text}`));
        }, STALL_MS);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? (signal ? 128 : 1));
    });
  });
  exited.catch(() => {}); // reported where it is awaited; a child nobody waits for must not crash us
  const output = () => (stderrFile === undefined ? text : text + readFileSync(stderrFile, 'utf8'));
  return { child, exited, output };
}

/** Resolves once the child has printed a line matching `pattern` (stdout or stderr). */
async function waitFor(c: Child, pattern: RegExp, limitMs = 300_000): Promise<RegExpExecArray> {
  // Generous: a Node role starts in seconds, but minutes under emulation on a loaded host.
  for (let waited = 0; waited < limitMs; waited += 50) {
    const match = pattern.exec(c.output());
    if (match) return match;
    if (c.child.exitCode !== null) break;
    await sleep(50);
  }
  throw new Error(`expected ${pattern} from the child, got:\n${c.output()}`);
}

/** Resolves once something accepts TCP connections on 127.0.0.1:port. */
async function waitForTcp(port: number): Promise<void> {
  for (let tries = 0; tries < 600; tries++) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`nothing listens on 127.0.0.1:${port}`);
}

/** BENCH_CPU_PROF=DIR: the vmci processes and the Node roles write CPU profiles there. */
const profileDir = process.env.BENCH_CPU_PROF;
const profiled = (name: string) =>
  profileDir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(profileDir, name)}`] : [];

const vmciFrom = (bin: string, ...args: string[]) =>
  start(process.execPath, [
    ...profiled(`vmci-${bin === vmciBin ? '' : 'base-'}${args[0]}`),
    bin,
    ...args,
  ]);
/** packages/cli/.scratch/bench-NAME-proxy.log (gitignored): kept after the guest is gone. */
function proxyLogFile(name: string): string {
  const dir = path.join(here, '..', '.scratch');
  mkdirSync(dir, { recursive: true });
  return path.join(dir, `bench-${name}-proxy.log`);
}

/**
 * A `vmci proxy` whose log (stderr) goes to a file (`proxyLogFile`), as a service's log would,
 * not to our pipe.
 */
const vmciProxy = (bin: string, name: string, args: string[]) =>
  start(
    process.execPath,
    [...profiled(`vmci-${name}-proxy`), bin, 'proxy', ...args],
    false,
    proxyLogFile(name),
  );

/** This file in a child process, in one of its roles (below); `connects` profiles per variant. */
const role = (name: string, ...args: string[]) =>
  start(process.execPath, [
    ...profiled(name === 'connects' ? `connects-${args.slice(2).join('-')}` : name),
    ...process.execArgv,
    fileURLToPath(import.meta.url),
    name,
    ...args,
  ]);

// --- (b) file transfer -------------------------------------------------------------------------------
const srcFile = '/dev/shm/vmci-bench-file';
const dstDir = path.join(os.tmpdir(), 'vmci-bench-recv');

/** A file of `size` pseudo-random bytes on tmpfs (/dev/shm; the received copy goes to /tmp). */
function makeSourceFile(size: number): void {
  const block = Buffer.alloc(16 * MiB);
  for (let i = 0; i < block.length; i += 4) block.writeUInt32LE((i * 2654435761) >>> 0, i);
  const fd = openSync(srcFile, 'w');
  try {
    for (let written = 0; written < size; written += block.length) {
      block.writeUInt32LE(written / block.length, 0); // no two blocks alike
      writeSync(fd, block, 0, Math.min(block.length, size - written));
    }
  } finally {
    closeSync(fd);
  }
}

function freshDestination(): string {
  rmSync(dstDir, { recursive: true, force: true });
  mkdirSync(dstDir);
  return path.join(dstDir, path.basename(srcFile));
}

let nextPort = 41_000;

/** socat -u from the file to a socat VSOCK-LISTEN writing it: seconds from the sender's start. */
async function socatTransfer(): Promise<{ seconds: number }> {
  const dst = freshDestination();
  const port = nextPort++;
  const listener = start('socat', ['-d', '-d', '-u', `VSOCK-LISTEN:${port}`, `CREATE:${dst}`]);
  await waitFor(listener, /listening on/);
  const began = performance.now();
  const sender = start('socat', ['-u', `OPEN:${srcFile}`, `VSOCK-CONNECT:${LOOPBACK_CID}:${port}`]);
  const [sent, received] = await Promise.all([sender.exited, listener.exited]);
  const seconds = (performance.now() - began) / 1000;
  if (sent !== 0 || received !== 0)
    throw new Error(`socat failed (${sent}/${received}):\n${sender.output()}${listener.output()}`);
  if (statSync(dst).size !== config.fileBytes)
    throw new Error('socat: the copy has the wrong size');
  return { seconds };
}

/**
 * `vmci send` → `vmci recv` (SHA-256 computed on both ends and compared): wall seconds from the
 * sender's start (its Node start-up included) and the transfer seconds `vmci send --json` reports
 * (from announcing the file to the receiver's confirmation).
 */
async function vmciTransfer(
  bufferSize?: number,
  bin = vmciBin,
): Promise<{ seconds: number; transferSeconds: number }> {
  freshDestination();
  const port = nextPort++;
  const sized = bufferSize === undefined ? [] : ['--buffer-size', String(bufferSize)];
  const receiver = vmciFrom(
    bin,
    'recv',
    ...sized,
    '--dir',
    dstDir,
    '--json',
    '--no-progress',
    String(port),
  );
  await waitFor(receiver, /listening on vsock/);
  const began = performance.now();
  const sender = vmciFrom(
    bin,
    'send',
    ...sized,
    '--json',
    '--no-progress',
    `${LOOPBACK_CID}:${port}`,
    srcFile,
  );
  const [sent, received] = await Promise.all([sender.exited, receiver.exited]);
  const seconds = (performance.now() - began) / 1000;
  if (sent !== 0 || received !== 0)
    throw new Error(
      `vmci send/recv failed (${sent}/${received}):\n${sender.output()}${receiver.output()}`,
    );
  const report = JSON.parse(/^\{.*\}$/m.exec(sender.output())?.[0] ?? '{}') as {
    seconds?: number;
    size?: number;
  };
  if (report.size !== config.fileBytes) throw new Error(`vmci send reported ${sender.output()}`);
  return { seconds, transferSeconds: report.seconds ?? Number.NaN };
}

async function fileTransfer() {
  makeSourceFile(config.fileBytes);
  const socat: number[] = [];
  const ours: number[] = [];
  const oursTransfer: number[] = [];
  const sized: Record<number, number[]> = {};
  const baseTransfer: Record<string, number[]> = {};
  try {
    for (let rep = 0; rep < config.reps; rep++) {
      const s = await socatTransfer();
      socat.push(s.seconds);
      const v = await vmciTransfer();
      ours.push(v.seconds);
      oursTransfer.push(v.transferSeconds);
      console.log(
        `  run ${rep + 1} file ${config.fileBytes / MiB} MiB: socat ${s.seconds.toFixed(2)} s, vmci ${v.seconds.toFixed(2)} s (transfer ${v.transferSeconds.toFixed(2)} s)`,
      );
      for (const bin of config.transferBaseBins) {
        const name = path.basename(path.dirname(bin));
        const b = await vmciTransfer(undefined, bin);
        baseTransfer[name] = [...(baseTransfer[name] ?? []), b.transferSeconds];
        console.log(
          `  run ${rep + 1} file ${config.fileBytes / MiB} MiB: vmci ${name} ${b.seconds.toFixed(2)} s (transfer ${b.transferSeconds.toFixed(2)} s)`,
        );
      }
      for (const size of config.transferBufferSizes) {
        const t = await vmciTransfer(size);
        sized[size] = [...(sized[size] ?? []), t.transferSeconds];
        console.log(
          `  run ${rep + 1} file ${config.fileBytes / MiB} MiB: vmci --buffer-size ${size} ${t.seconds.toFixed(2)} s (transfer ${t.transferSeconds.toFixed(2)} s)`,
        );
      }
    }
  } finally {
    rmSync(srcFile, { force: true });
    rmSync(dstDir, { recursive: true, force: true });
  }
  const mbps = (seconds: number) => config.fileBytes / seconds / 1e6;
  return {
    socatMBps: round(mbps(median(socat)), 1),
    vmciMBps: round(mbps(median(ours)), 1),
    vmciTransferMBps: round(mbps(median(oursTransfer)), 1),
    /** BENCH_VMCI_BASE bundle (directory name) → transfer MB/s (as vmciTransferMBps). */
    baseTransferMBps: Object.fromEntries(
      Object.entries(baseTransfer).map(([name, runs]) => [name, round(mbps(median(runs)), 1)]),
    ) as Record<string, number>,
    /** `--buffer-size` → transfer MB/s (as vmciTransferMBps). */
    vmciTransferMBpsAtBufferSize: Object.fromEntries(
      Object.entries(sized).map(([size, runs]) => [size, round(mbps(median(runs)), 1)]),
    ) as Record<string, number>,
    runs: {
      socatSeconds: socat.map((v) => round(v, 3)),
      vmciSeconds: ours.map((v) => round(v, 3)),
      vmciTransferSeconds: oursTransfer.map((v) => round(v, 3)),
      baseTransferSeconds: Object.fromEntries(
        Object.entries(baseTransfer).map(([name, runs]) => [name, runs.map((v) => round(v, 3))]),
      ),
    },
  };
}

// --- (c) proxy -------------------------------------------------------------------------------------
interface LatencyRun {
  readonly p50: number;
  readonly p99: number;
  /** Each connection's first round trip (the relay's upstream connect is in it): p50 and p99. */
  readonly firstP50: number;
  readonly firstP99: number;
  /** The round trips after the first: p99. */
  readonly restP99: number;
  readonly samples: number;
  readonly errors: number;
}

const percentile = (sorted: readonly number[], p: number) =>
  sorted.length === 0
    ? Number.NaN
    : (sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] as number);

/** One TCP connection to `port` that sends the C server's mode byte. */
async function tcpClient(port: number, mode: 'R' | 'B'): Promise<net.Socket> {
  const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  await once(socket, 'connect');
  socket.setNoDelay(true);
  socket.write(mode);
  return socket;
}

/** `rounds` 64-byte round trips on one connection; pushes each latency (µs), the first to `first`. */
async function pingPong(
  port: number,
  rounds: number,
  latencies: number[],
  first: number[],
): Promise<void> {
  const socket = await tcpClient(port, 'R');
  const payload = Buffer.alloc(64, 0x61);
  try {
    await new Promise<void>((resolve, reject) => {
      let pending = 64;
      let left = rounds;
      let sentAt = performance.now();
      socket.on('data', (chunk: Buffer) => {
        pending -= chunk.length;
        if (pending > 0) return;
        if (pending < 0) return reject(new Error('echo returned too many bytes'));
        (left === rounds ? first : latencies).push((performance.now() - sentAt) * 1000);
        if (--left === 0) return resolve();
        pending = 64;
        sentAt = performance.now();
        socket.write(payload);
      });
      socket.once('error', reject);
      socket.once('close', () => reject(new Error('closed during the round trips')));
      socket.write(payload);
    });
  } finally {
    socket.destroy();
  }
}

/** `concurrency` connections at once, each doing its share of the round trips. */
async function latencyAt(port: number, concurrency: number): Promise<LatencyRun> {
  const rounds = Math.max(10, Math.ceil(config.proxyRoundTrips / concurrency));
  const latencies: number[] = [];
  const first: number[] = [];
  let errors = 0;
  const all = Promise.all(
    Array.from({ length: concurrency }, () =>
      pingPong(port, rounds, latencies, first).catch(() => {
        errors++;
      }),
    ),
  );
  let timer: NodeJS.Timeout | undefined;
  const stalled = new Promise<'stall'>((resolve) => {
    timer = setTimeout(() => resolve('stall'), STALL_MS);
  });
  const outcome = await Promise.race([all, stalled]);
  clearTimeout(timer);
  if (outcome === 'stall') errors += concurrency;
  const rest = latencies.sort((a, b) => a - b);
  const firstSorted = first.sort((a, b) => a - b);
  const sorted = [...rest, ...firstSorted].sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    firstP50: percentile(firstSorted, 50),
    firstP99: percentile(firstSorted, 99),
    restP99: percentile(rest, 99),
    samples: sorted.length,
    errors,
  };
}

/**
 * A vmci proxy's timeline from its JSON log (the lines since `from`): per connection, accepted →
 * upstream connected (ms; the log's clock has ms resolution), and the span over which the
 * connections were accepted and connected.
 */
function proxyTimeline(log: string): string {
  const accepted = new Map<number, number>();
  const connectMs: number[] = [];
  const gapMs: number[] = [];
  let firstAccept = Number.POSITIVE_INFINITY;
  let lastAccept = 0;
  let lastConnected = 0;
  for (const line of log.split('\n')) {
    if (!line.startsWith('{')) continue;
    let e: { event?: string; id?: number; time?: string; durationMs?: number };
    try {
      e = JSON.parse(line);
    } catch {
      continue;
    }
    const t = Date.parse(e.time ?? '');
    if (e.event === 'accepted' && e.id !== undefined) {
      accepted.set(e.id, t);
      firstAccept = Math.min(firstAccept, t);
      lastAccept = Math.max(lastAccept, t);
    } else if (e.event === 'connected' && e.id !== undefined) {
      connectMs.push(e.durationMs ?? Number.NaN);
      gapMs.push(t - (accepted.get(e.id) ?? Number.NaN));
      lastConnected = Math.max(lastConnected, t);
    }
  }
  if (connectMs.length === 0) return 'no connections logged';
  const s = (values: number[]) => {
    const sorted = values.sort((a, b) => a - b);
    return `p50 ${percentile(sorted, 50)} / p99 ${percentile(sorted, 99)} / max ${sorted.at(-1)} ms`;
  };
  return `${connectMs.length} connections: upstream connect ${s(connectMs)}; accepted → connected ${s(gapMs)}; accepts over ${lastAccept - firstAccept} ms, last connected ${lastConnected - firstAccept} ms after the first accept`;
}

/** Bulk through `port` to the C sink: MB/s until the sink's 8-byte count comes back. */
async function relayBulk(port: number): Promise<number> {
  const socket = await tcpClient(port, 'B');
  const answer: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => answer.push(chunk));
  const ended = once(socket, 'end');
  const began = performance.now();
  await writeAll(socket, config.proxyBulkBytes, 64 * 1024);
  socket.end();
  await ended;
  const seconds = (performance.now() - began) / 1000;
  socket.destroy();
  const count = Buffer.concat(answer).readBigUInt64LE(0);
  if (count !== BigInt(config.proxyBulkBytes)) throw new Error(`the sink counted ${count} bytes`);
  return config.proxyBulkBytes / seconds / 1e6;
}

const pathNames = ['direct', 'vmci', 'socat', 'base', 'sized'] as const;
type PathName = (typeof pathNames)[number];
/** The order the tables list the paths in: the baselines first. */
const reportOrder: readonly PathName[] = ['direct', 'socat', 'vmci', 'base', 'sized'];
/** An empty list of runs for every path. */
const runsPerPath = <T>() =>
  Object.fromEntries(pathNames.map((name) => [name, []])) as unknown as Record<PathName, T[]>;

async function proxies() {
  const vsockServer = await startBaselineServer(['server']);
  const tcpServer = await startBaselineServer(['server', 'tcp']);
  const proxyPort = nextPort++;
  const socatPort = nextPort++;
  const target = `vsock:${LOOPBACK_CID}:${vsockServer.port}`;
  const proxyArgs = (port: number, to = target) => [
    '--from',
    `tcp:127.0.0.1:${port}`,
    '--to',
    to,
    '--allow',
    to,
    '--max-connections',
    String(Math.max(...config.concurrency) * 2),
  ];
  const proxy = vmciProxy(vmciBin, 'current', proxyArgs(proxyPort));
  const basePort = nextPort++;
  const baseProxy = config.proxyBaseBin
    ? vmciProxy(config.proxyBaseBin, 'base', proxyArgs(basePort))
    : undefined;
  const sizedPort = nextPort++;
  const sizedServer = config.proxyBufferSize
    ? await startBaselineServer(['server', String(config.proxyBufferSize)])
    : undefined;
  const sizedProxy = sizedServer
    ? vmciProxy(vmciBin, 'sized', [
        ...proxyArgs(sizedPort, `vsock:${LOOPBACK_CID}:${sizedServer.port}`),
        '--buffer-size',
        String(config.proxyBufferSize),
      ])
    : undefined;
  const socat = start('socat', [
    `TCP-LISTEN:${socatPort},bind=127.0.0.1,fork,reuseaddr,backlog=1024`,
    `VSOCK-CONNECT:${LOOPBACK_CID}:${vsockServer.port}`,
  ]);
  const paths: Partial<Record<PathName, number>> = {
    direct: tcpServer.port,
    vmci: proxyPort,
    socat: socatPort,
    ...(baseProxy ? { base: basePort } : {}),
    ...(sizedProxy ? { sized: sizedPort } : {}),
  };
  const logs: Partial<Record<PathName, Child>> = {
    vmci: proxy,
    ...(baseProxy ? { base: baseProxy } : {}),
    ...(sizedProxy ? { sized: sizedProxy } : {}),
  };
  const latency: Record<string, Record<PathName, LatencyRun[]>> = {};
  const bulk = runsPerPath<number>();
  try {
    await waitForTcp(proxyPort);
    await waitForTcp(socatPort);
    if (baseProxy) await waitForTcp(basePort);
    if (sizedProxy) await waitForTcp(sizedPort);
    const names = pathNames.filter((name) => paths[name] !== undefined);
    for (let rep = 0; rep < config.reps; rep++) {
      const order = names.map((_, i) => names[(i + rep) % names.length] as PathName);
      for (const concurrency of config.concurrency) {
        latency[concurrency] ??= runsPerPath<LatencyRun>();
        for (const name of order) {
          const logAt = logs[name]?.output().length ?? 0;
          const result = await latencyAt(paths[name] as number, concurrency);
          latency[concurrency]?.[name].push(result);
          console.log(
            `  run ${rep + 1} relay ${name} × ${concurrency}: p50 ${result.p50.toFixed(0)} µs, p99 ${result.p99.toFixed(0)} µs (first round trip p50 ${result.firstP50.toFixed(0)} / p99 ${result.firstP99.toFixed(0)} µs, the others p99 ${result.restP99.toFixed(0)} µs), ${result.samples} round trips, ${result.errors} errors`,
          );
          const log = logs[name]?.output().slice(logAt);
          if (log !== undefined) console.log(`    ${name} timeline: ${proxyTimeline(log)}`);
        }
      }
      for (const name of order) {
        const mbps = await relayBulk(paths[name] as number).catch((error: Error) => {
          console.log(`  run ${rep + 1} relay ${name} bulk failed: ${error.message}`);
          return Number.NaN;
        });
        bulk[name].push(mbps);
        console.log(`  run ${rep + 1} relay ${name} bulk: ${mbps.toFixed(1)} MB/s`);
      }
      for (const [name, relayed] of [
        ['vmci', proxy],
        ['socat', socat],
        ['base', baseProxy],
        ['sized', sizedProxy],
      ] as const)
        if (relayed && (relayed.child.exitCode !== null || relayed.child.signalCode !== null))
          console.log(
            `  ${name} relay exited (${relayed.child.exitCode ?? relayed.child.signalCode}): ${relayed.output().slice(-2000)}`,
          );
    }
  } finally {
    proxy.child.kill('SIGTERM');
    baseProxy?.child.kill('SIGTERM');
    sizedProxy?.child.kill('SIGTERM');
    sizedServer?.stop();
    socat.child.kill('SIGTERM');
    vsockServer.stop();
    tcpServer.stop();
  }
  const summary = (runs: LatencyRun[]) => ({
    p50: round(median(runs.map((r) => r.p50)), 0),
    p99: round(median(runs.map((r) => r.p99)), 0),
    firstP99: round(median(runs.map((r) => r.firstP99)), 0),
    restP99: round(median(runs.map((r) => r.restP99)), 0),
    errors: runs.reduce((sum, r) => sum + r.errors, 0),
  });
  return {
    latencyUs: Object.fromEntries(
      Object.entries(latency).map(([concurrency, byPath]) => [
        concurrency,
        Object.fromEntries(
          Object.entries(byPath)
            .filter(([, runs]) => runs.length > 0)
            .map(([name, runs]) => [name, summary(runs)]),
        ),
      ]),
    ) as Record<string, Partial<Record<PathName, ReturnType<typeof summary>>>>,
    bulkMBps: Object.fromEntries(
      Object.entries(bulk)
        .filter(([, runs]) => runs.length > 0)
        .map(([name, runs]) => [
          name,
          { median: round(median(runs), 1), runs: runs.map((v) => round(v, 1)) },
        ]),
    ) as Partial<Record<PathName, { median: number; runs: number[] }>>,
  };
}

// --- (d) connection setup and memory ---------------------------------------------------------------
/**
 * BENCH_SETUP_BASE=DIR: a copy of packages/ffi and packages/sockets of another commit under DIR
 * (`DIR/packages/sockets/src/index.ts`); connection setup then also runs A → A and B → B with that
 * copy on both ends, in the same boot, so a change is measured against its base in one run.
 */
const setupBase = process.env.BENCH_SETUP_BASE;
type Sockets = Pick<typeof import('@vmci/sockets'), 'connect' | 'createServer' | 'KernelTransport'>;
const socketsOf = async (from: string): Promise<Sockets> =>
  from === 'base' && setupBase
    ? await import(pathToFileURL(path.resolve(setupBase, 'packages/sockets/src/index.ts')).href)
    : { connect, createServer, KernelTransport };

/** Where a `net` role listens or connects: `unix:<path>` or `tcp:<port>` (127.0.0.1). */
const netTarget = (target: string): net.NetConnectOpts =>
  target.startsWith('unix:')
    ? { path: target.slice(5) }
    : { host: '127.0.0.1', port: Number(target.slice(4)) };

/** Role `netcloser <unix:path | tcp:0>`: Node's own `net` server that accepts and closes at once. */
async function netCloserRole(target: string): Promise<void> {
  const server = net.createServer((socket) => socket.destroy());
  const where = netTarget(target);
  if ('path' in where) rmSync(where.path, { force: true });
  server.listen('path' in where ? where.path : { host: where.host, port: 0 });
  await once(server, 'listening');
  const address = server.address();
  process.once('SIGTERM', () => process.exit(0));
  console.log(`listening ${typeof address === 'object' && address ? address.port : 0}`);
}

/** Role `netconnects <unix:path | tcp:port> <count>`: `connects`, with Node's own `net` client. */
async function netConnectsRole(target: string, count: number): Promise<void> {
  const where = netTarget(target);
  const began = performance.now();
  for (let i = 0; i < count; i++) {
    const socket = net.connect(where);
    socket.resume();
    await once(socket, 'close');
  }
  console.log(`${count / ((performance.now() - began) / 1000)}`);
  process.exit(0);
}

/** Role `closer <backend> [base]`: accepts vsock connections and closes each at once. */
async function closerRole(backend: 'pipe' | 'poll', from: string): Promise<void> {
  const lib = await socketsOf(from);
  const transport = new lib.KernelTransport({ backend });
  const server = lib.createServer({ transport }, (socket) => socket.destroy());
  const { port } = await server.listenAsync({});
  // Stopped with SIGTERM: exit normally, so that a CPU profile (BENCH_CPU_PROF) is written.
  process.once('SIGTERM', () => process.exit(0));
  console.log(`listening ${port}`);
}

/**
 * Role `connects <port> <count> <backend> [base]`: connect, wait for the closer to close, repeat;
 * prints connections/s.
 */
async function connectsRole(
  port: number,
  count: number,
  backend: 'pipe' | 'poll',
  from: string,
): Promise<void> {
  const lib = await socketsOf(from);
  const transport = new lib.KernelTransport({ backend });
  const began = performance.now();
  for (let i = 0; i < count; i++) {
    const socket = await lib.connect({ cid: LOOPBACK_CID, port, transport });
    socket.resume();
    if (!socket.closed) await once(socket, 'close');
  }
  console.log(`${count / ((performance.now() - began) / 1000)}`);
  process.exit(0);
}

async function ourConnects(
  port: number,
  count: number,
  backend: 'pipe' | 'poll' | 'net',
  from = 'current',
): Promise<number> {
  const child =
    backend === 'net'
      ? role('netconnects', from, String(count))
      : role('connects', String(port), String(count), backend, from);
  const status = await child.exited;
  const rate = Number(/^[\d.]+$/m.exec(child.output())?.[0]);
  if (status !== 0 || !Number.isFinite(rate))
    throw new Error(`connects failed (${status}):\n${child.output()}`);
  return rate;
}

async function startCloser(backend: 'pipe' | 'poll' | 'net', from = 'current') {
  const closer = start(
    process.execPath,
    [
      ...profiled(`closer-${backend}-${from.replace(/\W+/g, '-')}`),
      ...process.execArgv,
      fileURLToPath(import.meta.url),
      ...(backend === 'net' ? ['netcloser', from] : ['closer', backend, from]),
    ],
    true,
  );
  // Up to six closers start at once (compiling their packages under tsx): give them 15 minutes.
  return { closer, port: Number((await waitFor(closer, /^listening (\d+)$/m, 900_000))[1]) };
}

/** Baselines of connection setup on AF_UNIX and TCP loopback (what Node's `net` does here). */
const cUnixCloser = `unix:${path.join(os.tmpdir(), 'vmci-bench-c-closer.sock')}`;
const netUnixCloser = `unix:${path.join(os.tmpdir(), 'vmci-bench-net-closer.sock')}`;

async function connectionSetup() {
  const [cCloser, cUnix] = await Promise.all([
    startBaselineServer(['closer']),
    startBaselineServer(['closer', cUnixCloser]),
  ]);
  const [a, b, netUnix, netTcp, baseA, baseB] = await Promise.all([
    startCloser('pipe'),
    startCloser('poll'),
    startCloser('net', netUnixCloser),
    startCloser('net', 'tcp:0'),
    ...(setupBase ? [startCloser('pipe', 'base'), startCloser('poll', 'base')] : []),
  ]);
  const closers = [a, b, netUnix, netTcp, baseA, baseB].filter((c) => c !== undefined);
  const n = String(config.connects);
  const cases: Record<string, () => Promise<number>> = {
    'C → C': () => baselineClient(['connects', String(cCloser.port), n]),
    'A → A': () => ourConnects(a.port, config.connects, 'pipe'),
    'B → B': () => ourConnects(b.port, config.connects, 'poll'),
    'A → C': () => ourConnects(cCloser.port, config.connects, 'pipe'),
    'C → A': () => baselineClient(['connects', String(a.port), n]),
    'C → C, unix': () => baselineClient(['connects', cUnixCloser, n]),
    'net → C, unix': () => ourConnects(0, config.connects, 'net', cUnixCloser),
    'net → net, unix': () => ourConnects(0, config.connects, 'net', netUnixCloser),
    'net → net, TCP': () => ourConnects(0, config.connects, 'net', `tcp:${netTcp?.port}`),
  };
  if (baseA && baseB) {
    cases['A → A, base'] = () => ourConnects(baseA.port, config.connects, 'pipe', 'base');
    cases['B → B, base'] = () => ourConnects(baseB.port, config.connects, 'poll', 'base');
  }
  // BENCH_SETUP_ONLY=REGEX: only the cases whose name matches (e.g. '^[ABC] → [ABC]$|base').
  const only = new RegExp(process.env.BENCH_SETUP_ONLY ?? '');
  const keys = Object.keys(cases).filter((key) => only.test(key));
  const values: Record<string, number[]> = Object.fromEntries(keys.map((k) => [k, []]));
  try {
    for (let rep = 0; rep < config.reps; rep++) {
      for (let i = 0; i < keys.length; i++) {
        const key = keys[(i + rep) % keys.length] as string;
        const value = await (cases[key] as () => Promise<number>)();
        values[key]?.push(value);
        console.log(`  run ${rep + 1} connects + accepts ${key}: ${value.toFixed(0)}/s`);
      }
    }
  } finally {
    cCloser.stop();
    cUnix.stop();
    for (const { closer } of closers) closer.child.kill();
  }
  return Object.fromEntries(
    Object.entries(values).map(([key, runs]) => [
      key,
      { median: round(median(runs), 0), runs: runs.map((v) => round(v, 0)) },
    ]),
  ) as Record<string, { median: number; runs: number[] }>;
}

const memAvailable = () =>
  Number(/^MemAvailable:\s+(\d+) kB$/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1]) * 1024;

/** Role `hold <pipe|poll|net> <count> [base]`: opens `count` connections (both ends here), reports memory. */
async function holdRole(kind: 'pipe' | 'poll' | 'net', count: number, from: string): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
  const accepted: unknown[] = [];
  const clients: unknown[] = [];
  let listenPort: number;
  let dial: () => Promise<unknown>;
  if (kind === 'net') {
    const server = net.createServer((s) => accepted.push(s));
    server.listen({ port: 0, host: '127.0.0.1', backlog: 1024 });
    await once(server, 'listening');
    listenPort = (server.address() as net.AddressInfo).port;
    dial = async () => {
      const s = net.connect(listenPort, '127.0.0.1');
      await once(s, 'connect');
      return s;
    };
  } else {
    const lib = await socketsOf(from);
    const transport = new lib.KernelTransport({ backend: kind });
    const server = lib.createServer({ transport }, (s) => accepted.push(s));
    listenPort = (await server.listenAsync({ backlog: 1024 })).port;
    dial = () => lib.connect({ cid: LOOPBACK_CID, port: listenPort, transport });
  }
  gc();
  await sleep(200);
  const before = { rss: process.memoryUsage().rss, available: memAvailable() };
  for (let opened = 0; opened < count; opened += 100) {
    const batch = Math.min(100, count - opened);
    clients.push(...(await Promise.all(Array.from({ length: batch }, dial))));
  }
  while (accepted.length < count) await sleep(20);
  gc();
  await sleep(500);
  const after = { rss: process.memoryUsage().rss, available: memAvailable() };
  console.log(
    JSON.stringify({
      kind,
      connections: count,
      rssBytesPerConnection: Math.round((after.rss - before.rss) / count),
      systemBytesPerConnection: Math.round((before.available - after.available) / count),
    }),
  );
  process.exit(0);
}

async function memoryPerConnection() {
  const results: Record<
    string,
    { rssBytesPerConnection: number; systemBytesPerConnection: number }
  > = {};
  const variants = [
    ['pipe', 'current'],
    ['poll', 'current'],
    ['net', 'current'],
    ...(setupBase
      ? [
          ['pipe', 'base'],
          ['poll', 'base'],
        ]
      : []),
  ] as const;
  for (const [kind, from] of variants) {
    const name = from === 'base' ? `${kind}, base` : kind;
    // Root in the guest: raise the descriptor limit for 2 × count sockets.
    const child = start('bash', [
      '-c',
      `ulimit -n ${2 * config.hold + 1024} && exec "$0" "$@"`,
      process.execPath,
      '--expose-gc',
      ...process.execArgv,
      fileURLToPath(import.meta.url),
      'hold',
      kind,
      String(config.hold),
      from,
    ]);
    const status = await child.exited;
    const line = /^\{.*\}$/m.exec(child.output())?.[0];
    if (status !== 0 || !line)
      throw new Error(`hold ${name} failed (${status}):\n${child.output()}`);
    results[name] = JSON.parse(line);
    console.log(`  ${config.hold} connections, ${name}: ${line}`);
  }
  return results;
}

// --- main ----------------------------------------------------------------------------------------
async function main() {
  if (!existsSync(path.join(here, '..', 'dist', 'bin.js')))
    throw new Error('packages/cli/dist is missing: run pnpm bench:vm (it builds the bundle first)');
  await compileBaseline();
  console.log(
    `guest: node ${process.version}, kernel ${os.release()}, ${os.cpus().length} vCPUs (qemu TCG), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB; ${config.reps} runs each`,
  );
  const began = performance.now();
  const { parts } = config;
  const transfer = parts.has('transfer') ? await fileTransfer() : undefined;
  const relay = parts.has('proxy') ? await proxies() : undefined;
  const setup = parts.has('setup') ? await connectionSetup() : undefined;
  const memory = parts.has('memory') ? await memoryPerConnection() : undefined;
  printTables(transfer, relay, setup, memory);
  console.log(`\nmeasured in ${((performance.now() - began) / 1000).toFixed(0)} s`);
  const file = path.join(here, 'results-vm.json');
  writeFileSync(
    file,
    `${JSON.stringify({ date: new Date().toISOString(), node: process.version, kernel: os.release(), vcpus: os.cpus().length, memoryBytes: os.totalmem(), config: { ...config, parts: [...parts] }, transfer, relay, connectionSetup: setup, memoryPerConnection: memory }, null, 2)}\n`,
  );
  console.log(`wrote ${path.relative(process.cwd(), file) || file}`);
}

function printTables(
  transfer: Awaited<ReturnType<typeof fileTransfer>> | undefined,
  relay: Awaited<ReturnType<typeof proxies>> | undefined,
  setup: Awaited<ReturnType<typeof connectionSetup>> | undefined,
  memory: Awaited<ReturnType<typeof memoryPerConnection>> | undefined,
): void {
  if (transfer) {
    console.log();
    console.log(
      table(
        [`file ${config.fileBytes / MiB} MiB, tmpfs → tmpfs`, 'MB/s', 'vs socat'],
        [
          ['socat -u VSOCK-CONNECT → VSOCK-LISTEN', transfer.socatMBps.toFixed(1), '1.00×'],
          [
            'vmci send → recv, SHA-256 (wall, incl. start-up)',
            transfer.vmciMBps.toFixed(1),
            formatRatio(transfer.vmciMBps / transfer.socatMBps),
          ],
          [
            'vmci send → recv, SHA-256 (transfer, --json)',
            transfer.vmciTransferMBps.toFixed(1),
            formatRatio(transfer.vmciTransferMBps / transfer.socatMBps),
          ],
          ...Object.entries(transfer.vmciTransferMBpsAtBufferSize).map(([size, value]) => [
            `  the same, --buffer-size ${size}`,
            value.toFixed(1),
            formatRatio(value / transfer.socatMBps),
          ]),
          ...Object.entries(transfer.baseTransferMBps).map(([name, value]) => [
            `  the same, bundle ${name} (BENCH_VMCI_BASE)`,
            value.toFixed(1),
            formatRatio(value / transfer.socatMBps),
          ]),
        ],
      ),
    );
  }
  if (relay) {
    const latencyRows: string[][] = [];
    for (const [concurrency, byPath] of Object.entries(relay.latencyUs)) {
      const added = (name: PathName) =>
        (byPath[name]?.p50 ?? Number.NaN) - (byPath.direct?.p50 ?? Number.NaN);
      for (const name of reportOrder) {
        const r = byPath[name];
        if (!r) continue;
        latencyRows.push([
          `${name} × ${concurrency}`,
          r.p50.toFixed(0),
          r.p99.toFixed(0),
          `${r.firstP99.toFixed(0)} / ${r.restP99.toFixed(0)}`,
          name === 'direct' ? '' : added(name).toFixed(0),
          name === 'direct' || name === 'socat' ? '' : formatRatio(added(name) / added('socat')),
          String(r.errors),
        ]);
      }
    }
    console.log();
    console.log(
      table(
        [
          'TCP client → relay → vsock C echo',
          'p50 µs',
          'p99 µs',
          'p99 1st / others',
          'added p50',
          'vmci/socat',
          'errors',
        ],
        latencyRows,
      ),
    );
    console.log();
    console.log(
      table(
        [`relay bulk ${config.proxyBulkBytes / MiB} MiB`, 'MB/s', 'vs socat'],
        reportOrder.flatMap((name) => {
          const mbps = relay.bulkMBps[name]?.median;
          if (mbps === undefined) return [];
          const socat = relay.bulkMBps.socat?.median ?? Number.NaN;
          const label =
            name === 'sized' ? `vmci --buffer-size ${config.proxyBufferSize} (C server too)` : name;
          return [[label, mbps.toFixed(1), formatRatio(mbps / socat)]];
        }),
      ),
    );
  }
  if (setup) {
    const cRate = setup['C → C']?.median ?? Number.NaN;
    const netRate = setup['net → net, unix']?.median ?? Number.NaN;
    console.log();
    console.log(
      table(
        ['connects + accepts (sequential)', 'per s', 'vs C → C', 'vs net → net, unix'],
        Object.entries(setup).map(([key, v]) => [
          key,
          v.median.toFixed(0),
          formatRatio(v.median / cRate),
          Number.isNaN(netRate) ? '—' : formatRatio(v.median / netRate),
        ]),
      ),
    );
  }
  if (memory) {
    console.log();
    console.log(
      table(
        [
          `${config.hold} open connections (both ends in one process)`,
          'RSS B/conn',
          'system B/conn',
        ],
        Object.entries(memory).map(([kind, v]) => [
          kind === 'net'
            ? 'net over TCP loopback'
            : `vsock, backend ${kind.startsWith('pipe') ? 'A (pipe)' : 'B (poll)'}${kind.endsWith('base') ? ', base' : ''}`,
          String(v.rssBytesPerConnection),
          String(v.systemBytesPerConnection),
        ]),
      ),
    );
  }
}

const [roleName, ...roleArgs] = process.argv.slice(2);
const work =
  roleName === 'closer'
    ? closerRole(roleArgs[0] === 'poll' ? 'poll' : 'pipe', roleArgs[1] ?? 'current')
    : roleName === 'connects'
      ? connectsRole(
          Number(roleArgs[0]),
          Number(roleArgs[1]),
          roleArgs[2] === 'poll' ? 'poll' : 'pipe',
          roleArgs[3] ?? 'current',
        )
      : roleName === 'netcloser'
        ? netCloserRole(roleArgs[0] ?? 'tcp:0')
        : roleName === 'netconnects'
          ? netConnectsRole(roleArgs[0] ?? '', Number(roleArgs[1]))
          : roleName === 'hold'
            ? holdRole(
                roleArgs[0] as 'pipe' | 'poll' | 'net',
                Number(roleArgs[1]),
                roleArgs[2] ?? 'current',
              )
            : main();
work.catch((error) => {
  console.error(error);
  process.exit(1);
});
