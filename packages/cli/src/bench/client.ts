/**
 * The measuring side of `vmci bench`: 64-byte round trips and bulk throughput over any
 * connected stream.
 */
import type { Duplex } from 'node:stream';
import { VmciError } from '@vmci/sockets';
import { BULK, ROUND_TRIP } from './protocol.js';

export interface RoundTripResult {
  readonly count: number;
  readonly medianMicros: number;
  readonly p99Micros: number;
  readonly meanMicros: number;
}

export interface BulkResult {
  readonly bytes: number;
  readonly seconds: number;
  readonly megabytesPerSecond: number;
}

/** Resolves with the next `size` bytes the socket delivers (the socket is in flowing mode). */
function reader(socket: Duplex) {
  let buffered: Buffer[] = [];
  let length = 0;
  let waiting: { size: number; resolve: (data: Buffer) => void } | undefined;
  let failure: Error | undefined;
  let rejectWaiting: ((error: Error) => void) | undefined;
  const deliver = () => {
    if (!waiting || length < waiting.size) return;
    // The measured loop runs through here: copy only when a reply arrived in pieces.
    const all = buffered.length === 1 ? (buffered[0] as Buffer) : Buffer.concat(buffered, length);
    const { size, resolve } = waiting;
    waiting = undefined;
    buffered = length > size ? [all.subarray(size)] : [];
    length -= size;
    resolve(all.subarray(0, size));
  };
  socket.on('data', (chunk: Buffer) => {
    buffered.push(chunk);
    length += chunk.length;
    deliver();
  });
  const fail = (error: Error) => {
    failure ??= error;
    rejectWaiting?.(failure);
  };
  socket.on('error', fail);
  socket.on('end', () =>
    fail(
      Object.assign(new Error('the bench server closed the connection early'), {
        code: 'ECONNRESET',
      }),
    ),
  );
  return (size: number) =>
    new Promise<Buffer>((resolve, reject) => {
      if (failure) return reject(failure);
      waiting = { size, resolve };
      rejectWaiting = reject;
      deliver();
    });
}

const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] as number;

/** `count` round trips of 64 bytes on a fresh connection. */
export async function measureRoundTrips(socket: Duplex, count: number): Promise<RoundTripResult> {
  const read = reader(socket);
  const message = Buffer.alloc(64, 0x61);
  socket.write(Buffer.of(ROUND_TRIP));
  const samples = new Float64Array(count);
  // A few unmeasured trips first: the first ones pay for lazy setup on both sides.
  for (let i = 0; i < Math.min(100, count); i++) {
    socket.write(message);
    await read(64);
  }
  for (let i = 0; i < count; i++) {
    const start = process.hrtime.bigint();
    socket.write(message);
    await read(64);
    samples[i] = Number(process.hrtime.bigint() - start) / 1000;
  }
  socket.end();
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = sorted.reduce((sum, value) => sum + value, 0) / count;
  return {
    count,
    medianMicros: percentile(sorted, 50),
    p99Micros: percentile(sorted, 99),
    meanMicros: mean,
  };
}

/** Writes `bytes` in 64 KiB writes (respecting backpressure) and waits for the server's count. */
export async function measureBulk(socket: Duplex, bytes: number): Promise<BulkResult> {
  const read = reader(socket);
  const chunk = Buffer.alloc(64 * 1024, 0x62);
  const start = process.hrtime.bigint();
  socket.write(Buffer.of(BULK));
  let sent = 0;
  while (sent < bytes) {
    const piece = bytes - sent >= chunk.length ? chunk : chunk.subarray(0, bytes - sent);
    sent += piece.length;
    if (!socket.write(piece))
      await new Promise<void>((resolve, reject) => {
        const onError = (error: Error) => reject(error);
        socket.once('error', onError);
        socket.once('drain', () => {
          socket.off('error', onError);
          resolve();
        });
      });
  }
  socket.end();
  const acknowledged = Number((await read(8)).readBigUInt64BE());
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (acknowledged !== bytes)
    throw new VmciError(
      'ERR_VMCI_BENCH_MISMATCH',
      `the bench server counted ${acknowledged} bytes of the ${bytes} sent`,
    );
  return { bytes, seconds, megabytesPerSecond: bytes / 1e6 / seconds };
}
