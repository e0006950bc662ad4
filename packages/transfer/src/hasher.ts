/**
 * SHA-256 off the data path: a file's bytes are hashed on a worker thread while the main thread
 * goes on reading, sending and writing. Chunks live in `SharedArrayBuffer`s (see
 * {@link SharedChunkPool}), so the worker reads them where they are — no copy per chunk — and a
 * chunk's buffer is reused only once both its I/O and its hash are done. Below
 * {@link OFF_THREAD_HASH_MIN_BYTES} a file is hashed inline: starting a worker costs more than it
 * saves (docs in packages/cli/bench/README.md, "Hashing off the data path").
 */
import { createHash, type Hash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { TransferError } from './errors.js';

/**
 * Files at least this large are hashed on a worker thread; smaller ones inline. Measured in the
 * nested-VM guest (TCG, Node 20): a worker takes ~40 ms of wall time to start, during which 3–4 MiB
 * could have been hashed inline; the overlap pays for it from a few MiB on.
 */
export const OFF_THREAD_HASH_MIN_BYTES = 16 * 1024 * 1024;
/** Bytes handed to the worker but not yet hashed before {@link ChunkHasher.update} makes its caller wait. */
export const MAX_UNHASHED_BYTES = 4 * 1024 * 1024;
/** The size of a {@link SharedChunkPool} buffer. */
export const SHARED_CHUNK_BYTES = 1024 * 1024;

/**
 * Hashes a file's bytes in order. `update` takes a chunk and `done`, called once the hasher no
 * longer needs the chunk's memory; it returns a promise when the caller should wait before the
 * next update (the worker is behind), else undefined. `digest` resolves with the SHA-256 of all
 * updates. `close` frees the hasher (a worker is terminated); it is safe to call at any time and
 * more than once, and any update still pending then is dropped (its `done` runs).
 */
export interface ChunkHasher {
  /** True when `update` takes only buffers from a {@link SharedChunkPool}. */
  readonly offThread: boolean;
  update(bytes: Buffer, done?: () => void): Promise<void> | undefined;
  digest(): Promise<Buffer>;
  close(): void;
}

/** A worker started ahead of need by {@link prewarmHashWorker}, not yet taken. */
let spare: WorkerHasher | undefined;

/**
 * A hasher for a file of `size` bytes: inline below {@link OFF_THREAD_HASH_MIN_BYTES}, else on a
 * worker (the one {@link prewarmHashWorker} started, when there is one).
 */
export function hasherFor(size: number): ChunkHasher {
  if (size < OFF_THREAD_HASH_MIN_BYTES) return new InlineHasher();
  const warm = spare;
  spare = undefined;
  if (warm?.usable) return warm;
  warm?.close();
  return new WorkerHasher();
}

/**
 * Starts a hash worker now, so that its start-up (long under emulation) overlaps with connecting
 * or waiting for a sender instead of holding up the first large file; {@link hasherFor} takes it.
 * The returned function terminates it if it was not taken. An idle worker never keeps the
 * process alive.
 */
export function prewarmHashWorker(): () => void {
  spare ??= new WorkerHasher();
  const started = spare;
  return () => {
    if (spare !== started) return;
    spare = undefined;
    started.close();
  };
}

/** Hashes on the calling thread (small files). */
export class InlineHasher implements ChunkHasher {
  readonly offThread = false;
  private readonly hash: Hash = createHash('sha256');

  update(bytes: Buffer, done?: () => void): undefined {
    this.hash.update(bytes);
    done?.();
    return undefined;
  }

  digest(): Promise<Buffer> {
    return Promise.resolve(this.hash.digest());
  }

  close(): void {}
}

/**
 * The worker's code (CommonJS, run with `eval`, so the CLI bundle needs no extra file): one hash,
 * updated with `[buffer, offset, length]` ranges in the order they come, each acknowledged with
 * `0`; `null` asks for the digest.
 */
const workerSource = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
let hash = createHash('sha256');
parentPort.on('message', (message) => {
  if (message === null) {
    const digest = hash.digest();
    hash = createHash('sha256');
    parentPort.postMessage(digest.buffer.slice(digest.byteOffset, digest.byteOffset + digest.length));
    return;
  }
  hash.update(new Uint8Array(message[0], message[1], message[2]));
  parentPort.postMessage(0);
});
`;

/** A hashing failure of the worker itself (it crashed or was stopped): the file cannot be checked. */
function workerFailed(cause: unknown): TransferError {
  return new TransferError(
    'ERR_VMCI_TRANSFER_FAILED',
    `the SHA-256 worker thread failed (${cause instanceof Error ? cause.message : String(cause)}): nothing was stored; send the file again`,
    { cause },
  );
}

/**
 * Hashes on a worker thread of its own. Updates must be `SharedArrayBuffer`-backed (from a
 * {@link SharedChunkPool}) and stay unchanged until their `done` ran. The worker keeps the
 * process alive only while it has work.
 */
export class WorkerHasher implements ChunkHasher {
  readonly offThread = true;
  /** The worker (tests stop it to see a crash handled). */
  readonly worker: Worker;
  /** `done` of each update the worker has not acknowledged yet, in order. */
  private readonly pending: { bytes: number; done: (() => void) | undefined }[] = [];
  private unhashedBytes = 0;
  private waitingForRoom:
    | { promise: Promise<void>; resolve: () => void; reject: (error: unknown) => void }
    | undefined;
  private waitingForDigest:
    | { resolve: (digest: Buffer) => void; reject: (error: unknown) => void }
    | undefined;
  private failure: { error: TransferError } | undefined;
  private closed = false;

  constructor() {
    this.worker = new Worker(workerSource, { eval: true });
    this.worker.unref();
    this.worker.on('message', (message: 0 | ArrayBuffer) => this.onMessage(message));
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) => {
      if (!this.closed) this.fail(new Error(`it exited with code ${code}`));
    });
  }

  update(bytes: Buffer, done?: () => void): Promise<void> | undefined {
    if (this.failure) {
      done?.();
      throw this.failure.error;
    }
    if (this.closed) throw workerFailed(new Error('the hasher was closed'));
    if (!(bytes.buffer instanceof SharedArrayBuffer))
      throw new TypeError('WorkerHasher.update takes SharedArrayBuffer-backed buffers only');
    if (this.pending.length === 0) this.worker.ref();
    this.pending.push({ bytes: bytes.length, done });
    this.unhashedBytes += bytes.length;
    this.worker.postMessage([bytes.buffer, bytes.byteOffset, bytes.length]);
    if (this.unhashedBytes <= MAX_UNHASHED_BYTES) return undefined;
    if (!this.waitingForRoom) {
      const { promise, resolve, reject } = deferred<void>();
      // The caller may learn of a failure from the next update instead: never unhandled.
      promise.catch(() => undefined);
      this.waitingForRoom = { promise, resolve, reject };
    }
    return this.waitingForRoom?.promise;
  }

  digest(): Promise<Buffer> {
    if (this.failure) return Promise.reject(this.failure.error);
    if (this.closed) return Promise.reject(workerFailed(new Error('the hasher was closed')));
    if (this.pending.length === 0) this.worker.ref();
    this.pending.push({ bytes: 0, done: undefined });
    this.worker.postMessage(null);
    const { promise, resolve, reject } = deferred<Buffer>();
    this.waitingForDigest = { resolve, reject };
    return promise;
  }

  /** False once the worker failed or the hasher was closed. */
  get usable(): boolean {
    return !this.failure && !this.closed;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.releaseAll();
    void this.worker.terminate();
  }

  private onMessage(message: 0 | ArrayBuffer): void {
    const entry = this.pending.shift();
    if (this.pending.length === 0) this.worker.unref();
    if (message === 0) {
      this.unhashedBytes -= entry?.bytes ?? 0;
      entry?.done?.();
      const waiting = this.waitingForRoom;
      if (waiting && this.unhashedBytes <= MAX_UNHASHED_BYTES) {
        this.waitingForRoom = undefined;
        waiting.resolve();
      }
      return;
    }
    const waiting = this.waitingForDigest;
    this.waitingForDigest = undefined;
    waiting?.resolve(Buffer.from(message));
  }

  private fail(cause: unknown): void {
    if (this.failure || this.closed) return;
    const error = workerFailed(cause);
    this.failure = { error };
    this.releaseAll();
    this.waitingForRoom?.reject(error);
    this.waitingForDigest?.reject(error);
    this.waitingForRoom = undefined;
    this.waitingForDigest = undefined;
  }

  /** Every pending chunk's memory goes back to its owner (nothing will hash it any more). */
  private releaseAll(): void {
    for (const entry of this.pending.splice(0)) entry.done?.();
    this.unhashedBytes = 0;
    this.worker.unref();
  }
}

/** A promise and its settling functions (Promise.withResolvers, which Node 20 lacks). */
function deferred<T>() {
  let resolve: (value: T) => void = () => {};
  let reject: (error: unknown) => void = () => {};
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * A few `SharedArrayBuffer`-backed buffers of {@link SHARED_CHUNK_BYTES}, reused. A buffer taken
 * with `take` is given back with the returned `release` once per user (`users`, default 2: the
 * I/O and the hash); after the last it serves again. At most `keep` idle buffers are kept.
 */
export class SharedChunkPool {
  private readonly idle: Buffer[] = [];

  constructor(private readonly keep = 4) {}

  take(users = 2): { buffer: Buffer; release: () => void } {
    const buffer = this.idle.pop() ?? Buffer.from(new SharedArrayBuffer(SHARED_CHUNK_BYTES));
    let left = users;
    const release = () => {
      if (--left === 0 && this.idle.length < this.keep) this.idle.push(buffer);
    };
    return { buffer, release };
  }
}
