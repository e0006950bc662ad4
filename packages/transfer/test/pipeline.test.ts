/**
 * The transfer pipeline: the sender reads ahead and queues on the socket, the receiver writes
 * behind it — each bounded, so a slow disk or a slow peer slows the other end down instead of
 * filling memory; a file that changes size while being sent and a disk that fails mid-file still
 * end as before (nothing stored under the name, no partial file). The disk is slowed by holding
 * `FileHandle.writev` calls until the test lets them through; no test depends on timing.
 */
import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, readdirSync, readFileSync, truncateSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { VsockSocket } from '@vmci/sockets';
import { useHypervisor } from '@vmci/testkit/vitest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FileSink, MAX_UNWRITTEN_BYTES } from '../src/file-sink.js';
import { MAX_UNSENT_BYTES, READ_CHUNK_BYTES, sendFiles } from '../src/send.js';
import { writeQueued } from '../src/wire.js';
import { receiveWith, useTransferDirs } from './helpers/transfer.js';

const MiB = 2 ** 20;
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest();

let dir: string;
const { sourceFile, listing } = useTransferDirs((receiving) => {
  dir = receiving;
});

/** The prototype every FileHandle shares (where `writev` lives). */
async function fileHandlePrototype(): Promise<FileHandle> {
  const handle = await open(tmpdir(), 'r');
  await handle.close();
  return Object.getPrototypeOf(handle) as FileHandle;
}

/**
 * Holds every `FileHandle.writev` until `release()`; `fail(error)` makes the held and later
 * ones fail instead. `calls` counts the writes that were tried.
 */
async function gateDiskWrites() {
  const proto = await fileHandlePrototype();
  const original = proto.writev;
  let open = () => {};
  let gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  let failure: Error | undefined;
  const state = { calls: 0 };
  vi.spyOn(proto, 'writev').mockImplementation(async function (
    this: FileHandle,
    ...args: Parameters<FileHandle['writev']>
  ) {
    state.calls++;
    await gate;
    if (failure) throw failure;
    return original.apply(this, args);
  });
  return {
    state,
    release() {
      open();
      gate = Promise.resolve();
    },
    fail(error: Error) {
      failure = error;
      open();
    },
  };
}

afterEach(() => {
  vi.restoreAllMocks();
});

/** Resolves once `value()` stopped changing: the pipeline it watches is stuck (or done). */
async function settled(value: () => number): Promise<number> {
  let last = -1;
  for (let same = 0; same < 20; ) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    const now = value();
    same = now === last ? same + 1 : 0;
    last = now;
  }
  return last;
}

describe('FileSink write-behind', () => {
  it('accepts writes while the disk is busy only up to MAX_UNWRITTEN_BYTES, then waits', async () => {
    const disk = await gateDiskWrites();
    const chunk = 64 * 1024;
    const data = randomBytes(2 * MAX_UNWRITTEN_BYTES);
    const sink = await FileSink.open({ dir, name: 'slow.bin', size: data.length });
    let accepted = 0;
    const writing = (async () => {
      for (let offset = 0; offset < data.length; offset += chunk) {
        await sink.write(data.subarray(offset, offset + chunk));
        accepted = offset + chunk;
      }
    })();
    // The disk holds its first write: the writer gets ahead of it by the limit and no further.
    const stuckAt = await settled(() => accepted);
    expect(disk.state.calls).toBe(1);
    expect(stuckAt).toBeGreaterThanOrEqual(MAX_UNWRITTEN_BYTES - chunk);
    expect(stuckAt).toBeLessThanOrEqual(MAX_UNWRITTEN_BYTES);
    disk.release();
    await writing;
    // Fewer system calls than chunks: the queued ones went out together.
    expect(disk.state.calls).toBeLessThan(data.length / chunk);
    const stored = await sink.commit(sha256(data));
    expect(readFileSync(stored.path).equals(data)).toBe(true);
  });

  it('throws a failed write from the next write or commit, and leaves no temporary file', async () => {
    const disk = await gateDiskWrites();
    const sink = await FileSink.open({ dir, name: 'full.bin', size: 3 * MiB });
    await sink.write(randomBytes(MiB));
    disk.fail(Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }));
    await sink.write(randomBytes(MiB)).catch(() => undefined);
    await expect(sink.commit(sha256(Buffer.alloc(0)))).rejects.toMatchObject({
      code: 'ENOSPC',
      message: expect.stringContaining('the disk is full'),
    });
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('writeQueued', () => {
  /** A socket whose writes complete only when the test says so. */
  function heldSocket() {
    const callbacks: (() => void)[] = [];
    const socket = new Writable({
      highWaterMark: 1024,
      write(_chunk, _encoding, callback) {
        callbacks.push(() => callback());
      },
    });
    return { socket: socket as unknown as VsockSocket, callbacks };
  }

  it('resolves at once below the limit, waits for a drain above it, and reports each chunk done', async () => {
    const { socket, callbacks } = heldSocket();
    const written: number[] = [];
    const chunk = Buffer.alloc(4096);
    await writeQueued(socket, chunk, 3 * 4096, () => written.push(1));
    await writeQueued(socket, chunk, 3 * 4096, () => written.push(2));
    await writeQueued(socket, chunk, 3 * 4096, () => written.push(3));
    let fourthDone = false;
    const fourth = writeQueued(socket, chunk, 3 * 4096, () => written.push(4)).then(() => {
      fourthDone = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(fourthDone).toBe(false);
    expect(written).toEqual([]);
    while (callbacks.length > 0) {
      callbacks.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await fourth;
    expect(written).toEqual([1, 2, 3, 4]);
  });

  it('rejects once the socket closes while it waits', async () => {
    const { socket } = heldSocket();
    const waiting = writeQueued(socket, Buffer.alloc(8192), 0);
    socket.destroy();
    await expect(waiting).rejects.toMatchObject({ code: 'ECONNRESET' });
  });
});

/** A progress factory that only calls `update` with the bytes done. */
const onProgress = (update: (done: number) => void) => () => ({ update, finish() {} });

describe('sendFiles → receiveFiles pipeline', () => {
  const hv = useHypervisor();
  const at = () => ({ dir, transport: hv().host.transport });
  /** Sends `path` from a VM (CID 3) to `port` on the host, calling `update` on its progress. */
  const sendFrom = (port: number, path: string, update: (done: number) => void) =>
    sendFiles({
      cid: 'host',
      port,
      files: [path],
      transport: (hv().endpoint(3) ?? hv().addVM({ cid: 3 })).transport,
      progress: onProgress(update),
    });

  it('a receiver whose disk stalls holds the sender back: both stay bounded, then it completes', async () => {
    const disk = await gateDiskWrites();
    const content = randomBytes(48 * MiB);
    const path = sourceFile('big.bin', content);
    let sent = 0;
    let received = 0;
    const { summary, sent: result } = await receiveWith(
      at(),
      {
        progress: onProgress((done) => {
          received = done;
        }),
      },
      async (port) => {
        const sending = sendFrom(port, path, (done) => {
          sent = done;
        });
        await settled(() => sent + received);
        // The receiver holds at most its queue (plus one socket chunk); the sender is ahead of
        // it by at most both connection buffers (4 MiB each by default), its own socket queue
        // and the chunks it is reading and writing.
        expect(received).toBeLessThanOrEqual(MAX_UNWRITTEN_BYTES + 256 * 1024);
        expect(sent - received).toBeLessThanOrEqual(
          2 * 4 * MiB + MAX_UNSENT_BYTES + 3 * READ_CHUNK_BYTES,
        );
        expect(sent).toBeLessThan(content.length);
        disk.release();
        return sending;
      },
    );
    expect(result.sent).toEqual([
      expect.objectContaining({ name: 'big.bin', size: content.length }),
    ]);
    expect(summary.stored).toEqual([expect.objectContaining({ name: 'big.bin' })]);
    expect(readFileSync(join(dir, 'big.bin')).equals(content)).toBe(true);
  });

  it('sends the size it announced when the file grows meanwhile', async () => {
    const content = randomBytes(4 * READ_CHUNK_BYTES);
    const path = sourceFile('growing.log', content);
    const { sent } = await receiveWith(at(), {}, (port) =>
      sendFrom(port, path, () => appendFileSync(path, randomBytes(1000))),
    );
    expect(sent.sent).toEqual([expect.objectContaining({ size: content.length })]);
    expect(readFileSync(join(dir, 'growing.log')).equals(content)).toBe(true);
  });

  it('stores nothing when the file shrinks while it is sent', async () => {
    const path = sourceFile('shrinking.log', randomBytes(8 * READ_CHUNK_BYTES));
    let truncated = false;
    const { summary } = await receiveWith(at(), {}, async (port) => {
      const sending = sendFrom(port, path, () => {
        if (!truncated) truncateSync(path, READ_CHUNK_BYTES + 10);
        truncated = true;
      });
      await expect(sending).rejects.toMatchObject({
        code: 'ERR_VMCI_TRANSFER_SOURCE_CHANGED',
        message: expect.stringMatching(/shrank from 8388608 to \d+ bytes while it was being sent/),
      });
    });
    expect(summary.stored).toEqual([]);
    expect(listing()).toEqual([]);
  });

  it('a disk that fails mid-file: the sender hears why, and no partial file is left', async () => {
    const disk = await gateDiskWrites();
    const path = sourceFile('doomed.bin', randomBytes(24 * MiB));
    const { summary } = await receiveWith(at(), {}, async (port) => {
      let failed = false;
      const sending = sendFrom(port, path, () => {
        if (failed) return;
        failed = true;
        disk.fail(Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }));
      });
      await expect(sending).rejects.toMatchObject({ code: 'ENOSPC' });
    });
    expect(summary.failed).toEqual([
      expect.objectContaining({ name: 'doomed.bin', code: 'ENOSPC' }),
    ]);
    expect(listing()).toEqual([]);
  });
});
