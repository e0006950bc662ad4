/** Small async I/O on raw descriptors for the real-kernel tests (readiness via libuv polls). */
import { acceptConnection, readInto, waitFor, writeFrom } from '../src/index.js';

export async function acceptOne(
  listener: number,
): Promise<{ fd: number; address: { cid: number; port: number } }> {
  for (;;) {
    const accepted = acceptConnection(listener);
    if (accepted) return accepted;
    await waitFor(listener, { readable: true });
  }
}

export async function writeAll(fd: number, data: Buffer): Promise<void> {
  let offset = 0;
  while (offset < data.length) {
    const n = writeFrom(fd, data, offset, Math.min(64 * 1024, data.length - offset));
    if (n === null) await waitFor(fd, { writable: true });
    else offset += n;
  }
}

/** Reads until `length` bytes or end of stream. */
export async function readAtMost(fd: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let offset = 0;
  while (offset < length) {
    const n = readInto(fd, buffer, offset, length - offset);
    if (n === null) await waitFor(fd, { readable: true, disconnect: true });
    else if (n === 0) break;
    else offset += n;
  }
  return buffer.subarray(0, offset);
}
