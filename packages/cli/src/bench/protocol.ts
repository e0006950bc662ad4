/**
 * The `vmci bench` wire protocol. The client's first byte picks the test: `R` — the server
 * echoes every byte (round trips); `B` — the server counts bytes until the client ends, then
 * answers with the count as a big-endian u64 (throughput, measured to the acknowledgement so
 * bytes still in buffers are not counted as delivered).
 */
import type { Duplex } from 'node:stream';

export const ROUND_TRIP = 0x52; // 'R'
export const BULK = 0x42; // 'B'

/** Serves one benchmark connection until the client is done. */
export function serveBenchConnection(socket: Duplex): void {
  let mode: number | undefined;
  let received = 0n;
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk: Buffer) => {
    let data = chunk;
    if (mode === undefined) {
      mode = data[0];
      data = data.subarray(1);
      if (mode !== ROUND_TRIP && mode !== BULK) {
        socket.destroy();
        return;
      }
    }
    if (mode === ROUND_TRIP) {
      if (data.length > 0) socket.write(data);
    } else received += BigInt(data.length);
  });
  socket.on('end', () => {
    if (mode === BULK) {
      const count = Buffer.alloc(8);
      count.writeBigUInt64BE(received);
      socket.end(count);
    } else socket.end();
  });
}
