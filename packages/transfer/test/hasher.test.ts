/**
 * SHA-256 off the data path (hasher.ts): the worker hashes shared buffers strictly in order and
 * hands each back only once hashed, holds its caller back when it falls behind, turns a crash
 * into a typed error, never keeps the process alive, and small files stay inline. End to end: a
 * worker that dies or a transfer aborted mid-file leaves no partial file and no worker behind.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { useHypervisor } from '@vmci/testkit/vitest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FileSink } from '../src/file-sink.js';
import {
  hasherFor,
  InlineHasher,
  MAX_UNHASHED_BYTES,
  OFF_THREAD_HASH_MIN_BYTES,
  prewarmHashWorker,
  SHARED_CHUNK_BYTES,
  SharedChunkPool,
  WorkerHasher,
} from '../src/hasher.js';
import { sendFiles } from '../src/send.js';
import { receiveWith, useTransferDirs } from './helpers/transfer.js';

const MiB = 2 ** 20;
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest();

let dir: string;
const { sourceFile, listing } = useTransferDirs((receiving) => {
  dir = receiving;
});

const hashers: WorkerHasher[] = [];
function workerHasher(): WorkerHasher {
  const hasher = new WorkerHasher();
  hashers.push(hasher);
  return hasher;
}

afterEach(() => {
  vi.restoreAllMocks();
  for (const hasher of hashers.splice(0)) hasher.close();
});

describe('WorkerHasher', () => {
  it('hashes updates in order, reusing each shared buffer only after its hash', async () => {
    const hasher = workerHasher();
    const pool = new SharedChunkPool(2);
    const data = randomBytes(12 * SHARED_CHUNK_BYTES + 12345);
    const done: number[] = [];
    for (let offset = 0, index = 0; offset < data.length; offset += SHARED_CHUNK_BYTES, index++) {
      // One user: the hash. The pool hands the buffer out again only once it was released, so a
      // buffer overwritten too early would change the digest.
      const { buffer, release } = pool.take(1);
      const length = data.copy(buffer, 0, offset, offset + SHARED_CHUNK_BYTES);
      const n = index;
      await hasher.update(buffer.subarray(0, length), () => {
        done.push(n);
        release();
      });
    }
    expect(await hasher.digest()).toEqual(sha256(data));
    expect(done).toEqual([...Array(13).keys()]);
    // The next digest starts from scratch.
    const pool2 = new SharedChunkPool();
    const { buffer } = pool2.take(1);
    buffer.write('abc');
    hasher.update(buffer.subarray(0, 3));
    expect(await hasher.digest()).toEqual(sha256(Buffer.from('abc')));
  });

  it('holds the caller back once more than MAX_UNHASHED_BYTES wait for the worker', async () => {
    const hasher = workerHasher();
    const shared = Buffer.from(new SharedArrayBuffer(MAX_UNHASHED_BYTES + MiB));
    // The worker cannot have answered before this synchronous code ends.
    expect(hasher.update(shared.subarray(0, MAX_UNHASHED_BYTES))).toBeUndefined();
    const room = hasher.update(shared.subarray(MAX_UNHASHED_BYTES));
    expect(room).toBeInstanceOf(Promise);
    await room;
    expect(await hasher.digest()).toEqual(sha256(shared));
  });

  it('takes shared buffers only', () => {
    const hasher = workerHasher();
    expect(() => hasher.update(Buffer.alloc(16))).toThrow(TypeError);
  });

  it('turns a worker that dies into ERR_VMCI_TRANSFER_FAILED and gives every pending buffer back', async () => {
    const hasher = workerHasher();
    const shared = Buffer.from(new SharedArrayBuffer(2 * MiB));
    const released = vi.fn();
    hasher.update(shared.subarray(0, MiB), released);
    const exited = once(hasher.worker, 'exit');
    await hasher.worker.terminate();
    await exited;
    const failed = {
      code: 'ERR_VMCI_TRANSFER_FAILED',
      message: expect.stringContaining('SHA-256 worker thread failed'),
    };
    await expect(hasher.digest()).rejects.toMatchObject(failed);
    expect(() => hasher.update(shared.subarray(MiB), released)).toThrow(
      expect.objectContaining(failed),
    );
    // The pending update's and the refused update's buffers.
    expect(released).toHaveBeenCalledTimes(2);
  });

  it('lets the process exit while it is idle, without close()', async () => {
    const hasherModule = fileURLToPath(new URL('../src/hasher.ts', import.meta.url));
    const tsx = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url));
    const script = `(async () => {
      const { WorkerHasher } = await import(${JSON.stringify(hasherModule)});
      const hasher = new WorkerHasher();
      hasher.update(Buffer.from(new SharedArrayBuffer(1024)));
      console.log((await hasher.digest()).toString('hex'));
    })();`;
    const child = spawn(tsx, ['--eval', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (data) => {
      output += data;
    });
    // A worker that kept the process alive would hang here: give up after a generous while.
    const guard = setTimeout(() => child.kill('SIGKILL'), 120_000);
    const [code, signal] = await once(child, 'exit');
    clearTimeout(guard);
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(output.trim()).toBe(sha256(Buffer.alloc(1024)).toString('hex'));
  }, 150_000);
});

describe('hasherFor', () => {
  it('hashes small files inline and large ones on a worker', () => {
    expect(hasherFor(OFF_THREAD_HASH_MIN_BYTES - 1)).toBeInstanceOf(InlineHasher);
    const large = hasherFor(OFF_THREAD_HASH_MIN_BYTES);
    hashers.push(large as WorkerHasher);
    expect(large).toBeInstanceOf(WorkerHasher);
  });

  it('takes the prewarmed worker; an unused one is terminated by its drop function', async () => {
    const spy = watchWorkerHashers();
    const drop = prewarmHashWorker();
    const taken = hasherFor(OFF_THREAD_HASH_MIN_BYTES) as WorkerHasher;
    hashers.push(taken);
    drop();
    expect(taken.usable).toBe(true);
    const shared = Buffer.from(new SharedArrayBuffer(8));
    taken.update(shared);
    expect(await taken.digest()).toEqual(sha256(Buffer.alloc(8)));
    expect(spy.seen).toEqual(new Set([taken]));
    const dropUnused = prewarmHashWorker();
    const other = hasherFor(OFF_THREAD_HASH_MIN_BYTES) as WorkerHasher;
    hashers.push(other);
    expect(other).not.toBe(taken);
    dropUnused();
    expect(other.usable).toBe(true);
    const dropLast = prewarmHashWorker();
    dropLast();
    expect(spy.closed.size).toBe(1);
  });

  it('inline: takes any buffer, calls done at once', async () => {
    const hasher = hasherFor(3);
    const done = vi.fn();
    expect(hasher.update(Buffer.from('abc'), done)).toBeUndefined();
    expect(done).toHaveBeenCalledTimes(1);
    expect(await hasher.digest()).toEqual(sha256(Buffer.from('abc')));
  });
});

/** Spies on every WorkerHasher: `update` calls `onUpdate(hasher, count)` first; closes are counted. */
function watchWorkerHashers(onUpdate: (hasher: WorkerHasher, count: number) => void = () => {}) {
  const seen = new Set<WorkerHasher>();
  const closed = new Set<WorkerHasher>();
  const update = WorkerHasher.prototype.update;
  const close = WorkerHasher.prototype.close;
  let count = 0;
  vi.spyOn(WorkerHasher.prototype, 'update').mockImplementation(function (
    this: WorkerHasher,
    ...args: Parameters<WorkerHasher['update']>
  ) {
    seen.add(this);
    onUpdate(this, ++count);
    return update.apply(this, args);
  });
  vi.spyOn(WorkerHasher.prototype, 'close').mockImplementation(function (this: WorkerHasher) {
    closed.add(this);
    close.apply(this);
  });
  return { seen, closed };
}

describe('FileSink with a hash worker', () => {
  it('stores a large file written in socket-sized pieces, checked against its SHA-256', async () => {
    const { seen, closed } = watchWorkerHashers();
    const data = randomBytes(OFF_THREAD_HASH_MIN_BYTES + 3 * 65536 + 17);
    const sink = await FileSink.open({ dir, name: 'large.bin', size: data.length });
    for (let offset = 0; offset < data.length; offset += 65536 + 1)
      await sink.write(data.subarray(offset, offset + 65536 + 1));
    const stored = await sink.commit(sha256(data));
    expect(stored.sha256).toBe(sha256(data).toString('hex'));
    expect(listing()).toEqual(['large.bin']);
    expect(seen.size).toBe(1);
    expect(closed).toEqual(seen);
  });

  it('a worker that dies mid-file: a typed error and no temporary file', async () => {
    watchWorkerHashers((hasher, count) => {
      if (count === 3) void hasher.worker.terminate();
    });
    const data = randomBytes(OFF_THREAD_HASH_MIN_BYTES);
    const sink = await FileSink.open({ dir, name: 'orphan.bin', size: data.length });
    const writing = (async () => {
      for (let offset = 0; offset < data.length; offset += MiB)
        await sink.write(data.subarray(offset, offset + MiB));
      return sink.commit(sha256(data));
    })();
    await expect(writing).rejects.toMatchObject({ code: 'ERR_VMCI_TRANSFER_FAILED' });
    await sink.abort();
    expect(listing()).toEqual([]);
  });
});

describe('sendFiles / receiveFiles with hash workers', () => {
  const hv = useHypervisor();
  const at = () => ({ dir, transport: hv().host.transport });

  it('sends a large file, both ends hashing on workers, and closes them', async () => {
    const { seen, closed } = watchWorkerHashers();
    const content = randomBytes(OFF_THREAD_HASH_MIN_BYTES + 5 * MiB + 3);
    const vm = hv().addVM({ cid: 3 });
    const { summary, sent } = await receiveWith(at(), {}, (port) =>
      sendFiles({
        cid: 'host',
        port,
        files: [sourceFile('big', content)],
        transport: vm.transport,
      }),
    );
    expect(sent.sent).toEqual([
      expect.objectContaining({ name: 'big', sha256: sha256(content).toString('hex') }),
    ]);
    expect(summary.stored).toEqual([expect.objectContaining({ name: 'big' })]);
    expect(seen.size).toBe(2);
    expect(closed).toEqual(seen);
  });

  it("the sender's worker dies mid-file: a typed error, no partial file on the receiver", async () => {
    let sendersHasher: WorkerHasher | undefined;
    watchWorkerHashers((hasher, count) => {
      // The first update comes from the sender (the receiver's sink has nothing to hash yet).
      sendersHasher ??= hasher;
      if (hasher === sendersHasher && count > 4) void hasher.worker.terminate();
    });
    const vm = hv().addVM({ cid: 3 });
    const path = sourceFile('doomed', randomBytes(OFF_THREAD_HASH_MIN_BYTES + MiB));
    const { summary } = await receiveWith(at(), {}, async (port) => {
      const sending = sendFiles({ cid: 'host', port, files: [path], transport: vm.transport });
      await expect(sending).rejects.toMatchObject({
        code: 'ERR_VMCI_TRANSFER_FAILED',
        message: expect.stringContaining('SHA-256 worker thread failed'),
      });
    });
    expect(summary.stored).toEqual([]);
    expect(listing()).toEqual([]);
  });

  it('an abort mid-file stops both workers and leaves no partial file', async () => {
    const { seen, closed } = watchWorkerHashers();
    const vm = hv().addVM({ cid: 3 });
    const stop = new AbortController();
    const { summary } = await receiveWith(at(), {}, async (port) => {
      const sending = sendFiles({
        cid: 'host',
        port,
        files: [sourceFile('huge', randomBytes(OFF_THREAD_HASH_MIN_BYTES + 8 * MiB))],
        transport: vm.transport,
        signal: stop.signal,
        progress: () => ({
          update: (done) => {
            if (done > 4 * MiB) stop.abort();
          },
          finish() {},
        }),
      });
      await expect(sending).rejects.toMatchObject({ name: 'AbortError' });
    });
    expect(summary.failed).toEqual([
      expect.objectContaining({ name: 'huge', code: 'ERR_VMCI_TRANSFER_TRUNCATED' }),
    ]);
    expect(listing()).toEqual([]);
    expect(seen.size).toBeGreaterThanOrEqual(1);
    expect(closed).toEqual(seen);
  });
});
