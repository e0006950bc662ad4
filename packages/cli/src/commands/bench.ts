/**
 * `vmci bench`: 64-byte round trips and bulk throughput over vsock, as a table or JSON.
 * `--serve PORT` answers clients; `CID:PORT` measures against a server; `--virtual` runs both
 * ends in-process on the testkit's hypervisor.
 */
import {
  connect,
  createServer,
  defaultTransport,
  detectBackend,
  KernelTransport,
  PORT_ANY,
  parseVsockAddress,
  type Transport,
  type VsockAddress,
  wellKnownCids,
} from '@vmci/sockets';
import { optionalPositiveInteger, positiveInteger, stringOption } from '../args.js';
import {
  type BulkResult,
  measureBulk,
  measureRoundTrips,
  type RoundTripResult,
} from '../bench/client.js';
import { serveBenchConnection } from '../bench/protocol.js';
import type { CommandContext, ParsedCommand } from '../command.js';
import { type CliIo, UsageError } from '../io.js';
import { listenPort } from '../ports.js';
import { guestCidOf, withTransportOptions } from '../transport-option.js';

export interface BenchReport {
  readonly target: VsockAddress;
  readonly transport: string;
  readonly roundTrip: RoundTripResult;
  readonly bulk: BulkResult;
}

export interface BenchClientOptions {
  readonly target: VsockAddress;
  readonly roundTrips: number;
  readonly bytes: number;
  readonly connectTimeout?: number;
  readonly transport?: Transport;
  /** How the report names the transport (default: the kernel backend's, or the default transport's name). */
  readonly transportName?: string;
}

/** The kernel's backend, or the name of the transport a setting (`VMCI_TRANSPORT`) made the default. */
function defaultTransportName(): string {
  const transport = defaultTransport();
  return transport instanceof KernelTransport
    ? `kernel (backend ${detectBackend().backend})`
    : transport.name;
}

/** Measures against a `vmci bench --serve` server. */
export async function runBenchClient(options: BenchClientOptions): Promise<BenchReport> {
  const open = () =>
    connect({
      ...options.target,
      ...(options.transport ? { transport: options.transport } : {}),
      ...(options.connectTimeout ? { connectTimeout: options.connectTimeout } : {}),
    });
  const roundTrip = await measureRoundTrips(await open(), options.roundTrips);
  const bulk = await measureBulk(await open(), options.bytes);
  return {
    target: options.target,
    transport: options.transportName ?? options.transport?.name ?? defaultTransportName(),
    roundTrip,
    bulk,
  };
}

/** Serves benchmark clients on `port` until `signal` aborts; resolves with the bound address. */
export async function startBenchServer(options: {
  readonly port: number;
  readonly transport?: Transport;
  readonly signal?: AbortSignal;
}): Promise<{ address: VsockAddress; closed: Promise<void> }> {
  const server = createServer(
    options.transport ? { transport: options.transport } : {},
    serveBenchConnection,
  );
  const address = await server.listenAsync({ port: options.port });
  const closed = new Promise<void>((resolve) => {
    const stop = () => server.close(() => resolve());
    if (options.signal?.aborted) stop();
    else options.signal?.addEventListener('abort', stop, { once: true });
  });
  return { address, closed };
}

function printReport(io: CliIo, report: BenchReport) {
  const { roundTrip: rt, bulk } = report;
  const rows: [string, string][] = [
    [
      'round trip (64 B)',
      `median ${rt.medianMicros.toFixed(1)} µs, p99 ${rt.p99Micros.toFixed(1)} µs, mean ${rt.meanMicros.toFixed(1)} µs (${rt.count} trips)`,
    ],
    [
      'throughput (64 KiB writes)',
      `${bulk.megabytesPerSecond.toFixed(0)} MB/s (${(bulk.bytes / 2 ** 20).toFixed(0)} MiB in ${bulk.seconds.toFixed(2)} s)`,
    ],
  ];
  io.stdout(`vmci bench → ${report.target.cid}:${report.target.port} over ${report.transport}\n`);
  for (const [label, value] of rows) io.stdout(`  ${label.padEnd(28)} ${value}\n`);
}

async function runVirtual(options: Omit<BenchClientOptions, 'target'>): Promise<BenchReport> {
  const { createHypervisor } = await import('@vmci/testkit');
  const hv = createHypervisor({ seed: 1 });
  const vm = hv.addVM({ cid: 3 });
  const stop = new AbortController();
  const server = await startBenchServer({
    port: PORT_ANY,
    transport: hv.host.transport,
    signal: stop.signal,
  });
  try {
    return await runBenchClient({
      ...options,
      target: { cid: wellKnownCids.host, port: server.address.port },
      transport: vm.transport,
      transportName: 'testkit virtual hypervisor (in-process, VM 3 → host)',
    });
  } finally {
    stop.abort();
    await server.closed;
  }
}

/** `vmci bench [<cid>:<port>] [--serve PORT | --virtual] [--size MIB] [--round-trips N] [--json]`. */
export async function run(parsed: ParsedCommand, given: CommandContext): Promise<number> {
  const serve = stringOption(parsed, 'serve');
  const address = parsed.positionals[0];
  const virtual = parsed.values.virtual === true;
  const target = address === undefined ? undefined : parseVsockAddress(address);
  const context = withTransportOptions('bench', parsed, given, guestCidOf(target?.cid));
  const { io } = context;
  if ([serve !== undefined, address !== undefined, virtual].filter(Boolean).length !== 1)
    throw new UsageError(
      'vmci bench: give exactly one of CID:PORT (measure), --serve PORT (answer) or --virtual (in-process)',
    );
  if (serve !== undefined) {
    const server = await startBenchServer({
      port: listenPort(serve),
      ...(context.transport ? { transport: context.transport } : {}),
      ...(context.signal ? { signal: context.signal } : {}),
    });
    io.stderr(`bench server listening on vsock any:${server.address.port} (until interrupted)\n`);
    await server.closed;
    return 0;
  }
  const connectTimeout = optionalPositiveInteger('bench', parsed, 'timeout');
  const common = {
    roundTrips: positiveInteger('bench', 'round-trips', parsed.values['round-trips'], 10_000),
    bytes: positiveInteger('bench', 'size', parsed.values.size, 256) * 2 ** 20,
    ...(connectTimeout !== undefined ? { connectTimeout } : {}),
  };
  const report = virtual
    ? await runVirtual(common)
    : await runBenchClient({
        ...common,
        target: target as VsockAddress,
        ...(context.transport
          ? { transport: context.transport, transportName: context.transport.name }
          : {}),
      });
  if (parsed.values.json === true) io.stdout(`${JSON.stringify(report, null, 2)}\n`);
  else printReport(io, report);
  return 0;
}
