/**
 * Where one received file goes: a hidden temporary file next to its final name
 * (`DIR/.<name>.vmci-partial-<random>`), written, fsynced, checked against the sender's SHA-256
 * and only then moved to the final name in one step. On any failure or abort the temporary file
 * is deleted, so a half-written or corrupted file never appears under the final name.
 */
import { createHash, type Hash, randomBytes } from 'node:crypto';
import { constants, type promises as fs } from 'node:fs';
import { link, lstat, open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { errorCodeOf } from '@vmci/sockets';
import { TransferError, transferCode, transferErrorCodes } from './errors.js';
import { checkFileName, MAX_NAME_BYTES, quoteName } from './name.js';

/** What marks our temporary files (tests and cleanup look for it). */
export const PARTIAL_MARKER = '.vmci-partial-';

export interface FileSinkOptions {
  /** An existing directory. */
  readonly dir: string;
  /** The final file name (checked with `checkFileName`). */
  readonly name: string;
  /** Exact number of bytes that will be written. */
  readonly size: number;
  /** Replace an existing file of that name (default: refuse with EEXIST). */
  readonly overwrite?: boolean;
  /** Refuse files larger than this many bytes, before anything is written. */
  readonly maxSize?: number;
}

/** A file that was stored. */
export interface StoredFile {
  readonly name: string;
  /** Absolute or `dir`-relative path of the final file. */
  readonly path: string;
  readonly size: number;
  /** SHA-256 of the stored data, lower-case hex. */
  readonly sha256: string;
}

/** The name of a temporary file for `name`, cut so it still fits in NAME_MAX. */
export function partialFileName(name: string): string {
  const suffix = `${PARTIAL_MARKER}${randomBytes(6).toString('hex')}`;
  let base = name;
  while (Buffer.byteLength(`.${base}${suffix}`) > MAX_NAME_BYTES)
    base = Array.from(base).slice(0, -1).join('');
  return `.${base}${suffix}`;
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (error) {
    if (errorCodeOf(error) === 'ENOENT') return false;
    throw error;
  }
}

function existsError(name: string, dir: string): TransferError {
  return new TransferError(
    'EEXIST',
    `${quoteName(name)} already exists in ${dir}: the receiver replaces files only with --overwrite (or send it under another --name)`,
  );
}

/** What went wrong and what to do, for a filesystem error while storing into a directory. */
function storageAdvice(code: string): string | undefined {
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return 'the directory no longer exists: create it again (mkdir -p), or receive into another --dir';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied: let vmci recv write there, or receive into another --dir';
    case 'EROFS':
      return 'the filesystem is read-only: receive into another --dir';
    case 'ENOSPC':
      return 'the disk is full: free some space and send it again';
    case 'EDQUOT':
      return 'the disk quota is used up: free some space and send it again';
    case 'EISDIR':
      return 'a directory of that name is in the way: remove it, or send the file under another --name';
    default:
      return undefined;
  }
}

/**
 * A filesystem failure while storing `name`, as a TransferError that keeps the errno code (so
 * the sender sees ENOSPC, EACCES, …) and says what to do instead of Node's bare message.
 */
function storageError(name: string, dir: string, error: unknown): TransferError {
  if (error instanceof TransferError) return error;
  const code = transferCode(errorCodeOf(error), 'EIO');
  const advice = storageAdvice(code) ?? (error as Error).message;
  return new TransferError(code, `cannot store ${quoteName(name)} in ${dir}: ${advice}`, {
    cause: error,
  });
}

/**
 * Bytes a {@link FileSink} holds for the disk before `write()` makes its caller wait: a few of the
 * socket's chunks per system call, the connection kept busy while the disk writes.
 */
export const MAX_UNWRITTEN_BYTES = 8 * 1024 * 1024;
/** Chunks per `writev` (Linux takes at most 1024, IOV_MAX). */
const MAX_CHUNKS_PER_WRITE = 1024;

/** Writes all of `chunks` (`bytes` in all), in one `writev` unless the disk takes less. */
async function writeAll(handle: fs.FileHandle, chunks: Buffer[], bytes: number): Promise<void> {
  const { bytesWritten } = await handle.writev(chunks);
  if (bytesWritten === bytes) return;
  // A short write (rare on a regular file): the rest one write at a time, as before.
  const rest = Buffer.concat(chunks).subarray(bytesWritten);
  let offset = 0;
  while (offset < rest.length) {
    const written = await handle.write(rest, offset, rest.length - offset);
    if (written.bytesWritten === 0)
      throw new TransferError('EIO', 'the disk accepted no more bytes (a write wrote nothing)');
    offset += written.bytesWritten;
  }
}

/** Filesystems without hard links (some FUSE and network ones) answer link() with these. */
const noHardLinks = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK']);

/**
 * One file being received. Call {@link FileSink.open}, then `write()` the data in order, then
 * `commit()` with the sender's digest — or `abort()`, which is safe to call at any time and twice.
 */
export class FileSink {
  readonly finalPath: string;
  readonly tempPath: string;
  private readonly hash: Hash = createHash('sha256');
  private written = 0;
  private settled = false;
  /** Chunks hashed and counted but not yet handed to the disk, in order. */
  private readonly unwritten: Buffer[] = [];
  /** Bytes in `unwritten` and in the write under way. */
  private unwrittenBytes = 0;
  /** The write-behind loop, while it runs. */
  private writing: Promise<void> | undefined;
  /** The first write error (later writes are not tried). */
  private failure: { error: TransferError } | undefined;
  /** Callers of `write()` waiting for the queue to shrink. */
  private readonly onBatch: (() => void)[] = [];

  private constructor(
    private readonly options: FileSinkOptions,
    private handle: fs.FileHandle | undefined,
    tempName: string,
  ) {
    this.finalPath = join(options.dir, options.name);
    this.tempPath = join(options.dir, tempName);
  }

  /**
   * Checks the name, the size limit and (without `overwrite`) that the name is free, then creates
   * the temporary file. Throws ERR_VMCI_TRANSFER_NAME_INVALID, ERR_VMCI_TRANSFER_TOO_LARGE,
   * EEXIST, or the filesystem's error.
   */
  static async open(options: FileSinkOptions): Promise<FileSink> {
    checkFileName(options.name);
    if (options.maxSize !== undefined && options.size > options.maxSize)
      throw new TransferError(
        transferErrorCodes.tooLarge,
        `${quoteName(options.name)} is ${options.size} bytes, more than the receiver's --max-size of ${options.maxSize}: not stored`,
      );
    try {
      if (!options.overwrite && (await exists(join(options.dir, options.name))))
        throw existsError(options.name, options.dir);
      const tempName = partialFileName(options.name);
      // O_EXCL: never reuse (or follow a symlink planted at) an existing path.
      const handle = await open(
        join(options.dir, tempName),
        constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL,
        0o666,
      );
      return new FileSink(options, handle, tempName);
    } catch (error) {
      throw storageError(options.name, options.dir, error);
    }
  }

  /** Bytes written so far. */
  get bytesWritten(): number {
    return this.written;
  }

  /**
   * Appends `chunk` (refusing to go past the announced size). It is hashed at once and written
   * behind the caller's back, many chunks per system call; this resolves at once while less than
   * {@link MAX_UNWRITTEN_BYTES} wait for the disk, else once a batch was written — so a slow disk
   * slows the sender down instead of filling memory. A failed write is thrown by the next
   * `write()` or by `commit()`. The caller must not change `chunk` afterwards.
   */
  async write(chunk: Buffer): Promise<void> {
    await this.append(chunk);
  }

  /**
   * {@link write} without a promise while there is room: returns undefined when the caller may
   * go on at once, else a promise of the room (the hot path of a receiver takes no detour through
   * the microtask queue per chunk). Throws as `write()` rejects.
   */
  append(chunk: Buffer): Promise<void> | undefined {
    this.openHandle();
    this.throwIfFailed();
    if (this.written + chunk.length > this.options.size)
      throw new TransferError(
        transferErrorCodes.badFrame,
        `more data than the announced ${this.options.size} bytes for ${quoteName(this.options.name)}`,
      );
    if (chunk.length === 0) return undefined;
    this.hash.update(chunk);
    this.written += chunk.length;
    this.unwritten.push(chunk);
    this.unwrittenBytes += chunk.length;
    this.writing ??= this.writeBehind();
    return this.unwrittenBytes > MAX_UNWRITTEN_BYTES ? this.room() : undefined;
  }

  /** Resolves once at most {@link MAX_UNWRITTEN_BYTES} wait for the disk; rejects on a failed write. */
  private async room(): Promise<void> {
    while (this.unwrittenBytes > MAX_UNWRITTEN_BYTES) {
      await this.batchWritten();
      this.throwIfFailed();
    }
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }

  /** Resolves once everything handed to `write()` is on disk; throws its write error, if any. */
  private async flushed(): Promise<void> {
    await this.writing;
    this.throwIfFailed();
  }

  /** Resolves after the next batch was written (or failed). */
  private batchWritten(): Promise<void> {
    return new Promise((resolve) => this.onBatch.push(resolve));
  }

  /** Writes the queued chunks in order, up to {@link MAX_CHUNKS_PER_WRITE} per call, until none is left. */
  private async writeBehind(): Promise<void> {
    const handle = this.openHandle();
    try {
      while (this.unwritten.length > 0) {
        const batch = this.unwritten.splice(0, MAX_CHUNKS_PER_WRITE);
        const bytes = batch.reduce((sum, chunk) => sum + chunk.length, 0);
        await writeAll(handle, batch, bytes);
        this.unwrittenBytes -= bytes;
        for (const resolve of this.onBatch.splice(0)) resolve();
      }
    } catch (error) {
      this.failure = { error: storageError(this.options.name, this.options.dir, error) };
      this.unwritten.length = 0;
      for (const resolve of this.onBatch.splice(0)) resolve();
    } finally {
      this.writing = undefined;
    }
  }

  /**
   * Checks size and digest, fsyncs, and moves the file to its final name. On any failure the
   * temporary file is deleted and the error thrown (ERR_VMCI_TRANSFER_HASH_MISMATCH,
   * ERR_VMCI_TRANSFER_TRUNCATED, EEXIST if the name was taken meanwhile, or the filesystem's).
   */
  async commit(expectedSha256: Buffer): Promise<StoredFile> {
    try {
      await this.flushed();
      const handle = this.openHandle();
      const { name, size, dir } = this.options;
      if (this.written !== size)
        throw new TransferError(
          transferErrorCodes.truncated,
          `${quoteName(name)} has ${this.written} of its ${size} bytes: not stored`,
        );
      const actual = this.hash.digest();
      if (!actual.equals(expectedSha256))
        throw new TransferError(
          transferErrorCodes.hashMismatch,
          `${quoteName(name)} arrived with SHA-256 ${actual.toString('hex')} but the sender computed ${expectedSha256.toString('hex')}: the data was corrupted on the way; nothing was stored — send it again`,
        );
      await handle.sync();
      await handle.close();
      this.handle = undefined;
      await this.place();
      this.settled = true;
      await syncDirectory(dir);
      return { name, path: this.finalPath, size, sha256: actual.toString('hex') };
    } catch (error) {
      // The first failure is the one to report; deleting the temporary file is best effort.
      await this.abort().catch(() => undefined);
      throw storageError(this.options.name, this.options.dir, error);
    }
  }

  /** Closes and deletes the temporary file (never the final one). Idempotent. */
  async abort(): Promise<void> {
    if (this.settled) return;
    this.settled = true;
    const handle = this.handle;
    // A write still under way ends (or fails) before its file is closed and deleted; nobody
    // waits for room any more.
    this.unwritten.length = 0;
    this.unwrittenBytes = 0;
    await this.writing;
    for (const resolve of this.onBatch.splice(0)) resolve();
    this.handle = undefined;
    await handle?.close().catch(() => undefined);
    await unlink(this.tempPath).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }

  private openHandle(): fs.FileHandle {
    if (!this.handle || this.settled)
      throw new TransferError(
        transferErrorCodes.badFrame,
        `${quoteName(this.options.name)} is already finished or aborted`,
      );
    return this.handle;
  }

  /** The atomic step: rename over (overwrite) or hard-link beside (no overwrite) the final name. */
  private async place(): Promise<void> {
    if (this.options.overwrite) {
      await rename(this.tempPath, this.finalPath);
      return;
    }
    try {
      // link() fails with EEXIST if the name was taken since open(): no race, nothing replaced.
      await link(this.tempPath, this.finalPath);
    } catch (error) {
      const code = errorCodeOf(error) ?? '';
      if (code === 'EEXIST') throw existsError(this.options.name, this.options.dir);
      if (!noHardLinks.has(code)) throw error;
      if (await exists(this.finalPath)) throw existsError(this.options.name, this.options.dir);
      await rename(this.tempPath, this.finalPath);
      return;
    }
    await unlink(this.tempPath);
  }
}

/** Makes the rename durable; some filesystems cannot fsync a directory, which is fine. */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, constants.O_RDONLY);
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // EINVAL/EISDIR/EBADF on filesystems without directory fsync: the data itself is synced.
  }
}
