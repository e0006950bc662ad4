/**
 * Measurement helpers shared by the host bench (run.ts) and the guest bench (guest.ts): 64-byte
 * ping-pong and backpressure-respecting bulk transfer over any pair of connected Duplex streams.
 */
import { once } from 'node:events';
import type { Duplex } from 'node:stream';
import { harnessMarker, inHarnessGuest } from '@vmci/ffi/harness';

/** Two connected ends of one stream connection, and how to release them. */
export interface Pair {
  readonly a: Duplex;
  readonly b: Duplex;
  close(): Promise<void>;
}

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

/** `b` echoes everything back to `a` from now on. */
export function echo(stream: Duplex): void {
  stream.on('data', (chunk: Buffer) => stream.write(chunk));
}

/**
 * `count` round trips of `size` bytes from `client` (whose peer echoes); resolves with the mean
 * microseconds per round trip.
 */
export function roundTrips(client: Duplex, count: number, size = 64): Promise<number> {
  const payload = Buffer.alloc(size, 0x61);
  return new Promise((resolve, reject) => {
    let remaining = count;
    let pending = size;
    let start = 0;
    const onData = (chunk: Buffer) => {
      pending -= chunk.length;
      if (pending > 0) return;
      if (pending < 0) {
        finish(new Error(`echo returned ${-pending} bytes too many`));
        return;
      }
      remaining--;
      if (remaining === 0) {
        finish();
        return;
      }
      pending = size;
      client.write(payload);
    };
    const onError = (error: Error) => finish(error);
    const onClose = () => finish(new Error('closed during the round trips'));
    const finish = (error?: Error) => {
      const elapsed = performance.now() - start;
      client.off('data', onData);
      client.off('error', onError);
      client.off('close', onClose);
      if (error) reject(error);
      else resolve((elapsed * 1000) / count);
    };
    client.on('data', onData);
    client.on('error', onError);
    client.on('close', onClose);
    start = performance.now();
    client.write(payload);
  });
}

/** Writes `total` bytes in `chunkSize` writes, waiting for 'drain' whenever write() says so. */
export async function writeAll(writer: Duplex, total: number, chunkSize: number): Promise<void> {
  const chunk = Buffer.alloc(chunkSize, 0x62);
  for (let written = 0; written < total; written += chunkSize) {
    if (!writer.write(chunk)) await once(writer, 'drain');
  }
}

/**
 * `total` bytes written to `writer` in `chunkSize` writes, counted as they arrive at `reader`;
 * resolves with MB/s (10^6 bytes per second), timed until the last byte has been read.
 */
export async function bulk(
  writer: Duplex,
  reader: Duplex,
  total: number,
  chunkSize = 64 * 1024,
): Promise<number> {
  let received = 0;
  let onData: (chunk: Buffer) => void = () => {};
  const arrived = new Promise<void>((resolve, reject) => {
    onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received >= total) resolve();
    };
    reader.on('data', onData);
    reader.once('error', reject);
  });
  const start = performance.now();
  await writeAll(writer, total, chunkSize);
  await arrived;
  const seconds = (performance.now() - start) / 1000;
  reader.off('data', onData);
  return total / seconds / 1e6;
}

export const formatRatio = (ratio: number) => `${ratio.toFixed(2)}×`;

/** A plain-text table with right-aligned columns after the first. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number)))
      .join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** Destroys both ends and waits for their 'close'. */
export async function destroyBoth(a: Duplex, b: Duplex): Promise<void> {
  const closed = [a, b].map((s) => (s.closed ? Promise.resolve() : once(s, 'close')));
  a.destroy();
  b.destroy();
  await Promise.all(closed);
}

/** A positive integer from the environment (the BENCH_* knobs), or `fallback`. */
export const intEnv = (name: string, fallback: number): number => {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : fallback;
};

/**
 * The settings both stream benches share, from the BENCH_RTT, BENCH_BULK_MIB and BENCH_REPS
 * environment knobs over each bench's own defaults: 64-byte round trips, bulk in 64 KiB writes, the
 * median of `reps` runs.
 */
export function streamBenchConfig(defaults: {
  readonly roundTrips: number;
  readonly warmupRoundTrips: number;
  readonly bulkMiB: number;
  readonly warmupBulkMiB: number;
}) {
  return {
    roundTrips: intEnv('BENCH_RTT', defaults.roundTrips),
    warmupRoundTrips: defaults.warmupRoundTrips,
    messageBytes: 64,
    bulkBytes: intEnv('BENCH_BULK_MIB', defaults.bulkMiB) * 1024 * 1024,
    warmupBulkBytes: defaults.warmupBulkMiB * 1024 * 1024,
    chunkBytes: 64 * 1024,
    reps: intEnv('BENCH_REPS', 3),
  };
}

/**
 * A bench that connects AF_VSOCK sockets calls this first: outside the nested-VM harness guest it
 * says why and how to run it (`howToRun`) on stderr and exits 2, before any socket exists.
 */
export function exitUnlessHarnessGuest(script: string, howToRun: string): void {
  if (inHarnessGuest()) return;
  console.error(
    `${script}: refusing to run: no '${harnessMarker}' on /proc/cmdline. It connects AF_VSOCK ` +
      `sockets and must run inside the nested-VM harness: ${howToRun}`,
  );
  process.exit(2);
}
