/**
 * The sending side: {@link sendFiles} sends files to a receiver ({@link receiveFiles}, `vmci recv`)
 * over one vsock connection and reports each one only once the receiver confirmed it (size and
 * SHA-256 matched, file in place). The wire format is in protocol.ts.
 */
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { access, type FileHandle, open, stat } from 'node:fs/promises';
import { connect, errorCodeOf, resolveCid, type Transport, type VsockSocket } from '@vmci/sockets';
import { TransferError, transferCode, transferErrorCodes } from './errors.js';
import { fileNameForPath, fileNameProblem, quoteName } from './name.js';
import { noProgress, type ProgressFactory, type TransferProgress } from './progress.js';
import {
  encodeDataStart,
  encodeEnd,
  encodeFileHeader,
  encodePreamble,
  encodeTrailer,
} from './protocol.js';
import {
  finishConnection,
  ReplyReader,
  withTransferBufferSize,
  writeQueued,
  writeWithBackpressure,
} from './wire.js';

/**
 * Reads files this many bytes at a time, the next read already under way while a chunk is hashed
 * and written: few, large steps per file (every step costs, most of all under emulation).
 */
export const READ_CHUNK_BYTES = 1024 * 1024;
/**
 * Bytes the socket may hold unsent (`writableLength`) before the sender waits for a drain. With
 * the read ahead and the pool's spare buffers, a sender holds at most about this plus three
 * chunks, whatever the file's size and however slow the receiver.
 */
export const MAX_UNSENT_BYTES = 4 * 1024 * 1024;

/** Where {@link sendFiles} sends, what, and what it reports to. */
export interface SendFilesOptions {
  /** The receiver's CID: a number or `host`, `hypervisor`, `local`. */
  readonly cid: number | string;
  readonly port: number;
  /** Local paths, sent in this order over one connection. */
  readonly files: readonly string[];
  /** Store the (single) file under this name instead of its base name. */
  readonly name?: string;
  /** Give up connecting after this many ms (kernel default 2000). */
  readonly connectTimeout?: number;
  /**
   * The connection's `SO_VM_SOCKETS_BUFFER_SIZE` in bytes (default: {@link defaultTransferBufferSize}).
   * Bytes in flight are capped by the smaller of the sender's and the receiver's buffer.
   */
  readonly bufferSize?: number;
  /** Where to connect through (default: the kernel). Tests pass a testkit VM's transport. */
  readonly transport?: Transport;
  /** Stops the transfer: the connection is dropped and the promise rejects with the reason. */
  readonly signal?: AbortSignal;
  /** Draws progress per file (default: nothing). */
  readonly progress?: ProgressFactory;
  /** Called as each file is confirmed by the receiver. */
  readonly onSent?: (file: SentFile) => void;
  /** Called as each file is refused or fails at the receiver. */
  readonly onFailed?: (failure: SendFailure) => void;
}

/** A file the receiver confirmed. */
export interface SentFile {
  /** The name it was stored under. */
  readonly name: string;
  /** The local path it was read from. */
  readonly path: string;
  readonly size: number;
  /** Lower-case hex SHA-256, computed while sending and confirmed by the receiver. */
  readonly sha256: string;
  /** From announcing the file to its confirmation. */
  readonly seconds: number;
  readonly bytesPerSecond: number;
}

/** A file the receiver refused or could not store; nothing is under its name because of us. */
export interface SendFailure {
  readonly name: string;
  readonly path: string;
  /** `EEXIST`, `ERR_VMCI_TRANSFER_TOO_LARGE`, `ERR_VMCI_TRANSFER_HASH_MISMATCH`, … */
  readonly code: string;
  readonly message: string;
}

/** What {@link sendFiles} resolves with: the confirmed and the refused files. */
export interface SendSummary {
  readonly sent: readonly SentFile[];
  readonly failed: readonly SendFailure[];
}

/** A file checked before connecting. */
interface PlannedFile {
  readonly path: string;
  readonly name: string;
  readonly size: number;
}

/**
 * Checks every file before connecting (exists, regular, readable; names valid and distinct),
 * so a typo fails at once instead of after the first gigabytes. Throws ERR_VMCI_INVALID_ARGUMENT
 * for impossible arguments and the filesystem's code (ENOENT, EACCES, EISDIR) for bad files.
 */
export async function planFiles(
  files: readonly string[],
  name?: string,
): Promise<readonly PlannedFile[]> {
  if (files.length === 0)
    throw new TransferError(transferErrorCodes.invalidArgument, 'no files to send');
  if (name !== undefined && files.length !== 1)
    throw new TransferError(
      transferErrorCodes.invalidArgument,
      `--name renames one file, but ${files.length} were given: send them one at a time`,
    );
  const planned: PlannedFile[] = [];
  const names = new Set<string>();
  for (const path of files) {
    const storedName = name ?? fileNameForPath(path);
    const problem = fileNameProblem(storedName);
    if (problem !== undefined)
      throw new TransferError(
        transferErrorCodes.invalidArgument,
        `cannot send ${quoteName(path)} as ${quoteName(storedName)}: ${problem}`,
      );
    if (names.has(storedName))
      throw new TransferError(
        transferErrorCodes.invalidArgument,
        `two files would both be stored as ${quoteName(storedName)}: send them separately with --name`,
      );
    names.add(storedName);
    planned.push({ path, name: storedName, size: await readableFileSize(path) });
  }
  return planned;
}

async function readableFileSize(path: string): Promise<number> {
  try {
    const info = await stat(path);
    if (info.isDirectory())
      throw new TransferError(
        'EISDIR',
        `${quoteName(path)} is a directory: send files (pack a directory with tar first)`,
      );
    if (!info.isFile())
      throw new TransferError('EINVAL', `${quoteName(path)} is not a regular file`);
    await access(path, constants.R_OK);
    return info.size;
  } catch (error) {
    throw readError(path, error);
  }
}

/** A failure to read a local file, with the errno code and what to check. */
function readError(path: string, error: unknown): TransferError {
  if (error instanceof TransferError) return error;
  const code = transferCode(errorCodeOf(error), 'EIO');
  const reason =
    code === 'ENOENT'
      ? 'no such file; check the path'
      : code === 'EACCES'
        ? 'permission denied; check its permissions'
        : (error as Error).message;
  return new TransferError(code, `cannot read ${quoteName(path)}: ${reason}`, { cause: error });
}

/**
 * Sends `files` to a `vmci recv` listener. Resolves with what was confirmed and what was refused
 * (refusals do not stop the batch). Rejects when the files cannot be read, the connection fails
 * or breaks, or the receiver is not a compatible `vmci recv`.
 */
export async function sendFiles(options: SendFilesOptions): Promise<SendSummary> {
  const planned = await planFiles(options.files, options.name);
  const { signal } = options;
  signal?.throwIfAborted();
  const cid = resolveCid(options.cid);
  const socket = await withTransferBufferSize(options.bufferSize, (sized) =>
    connect({
      cid,
      port: options.port,
      allowHalfOpen: true,
      ...(options.connectTimeout !== undefined ? { connectTimeout: options.connectTimeout } : {}),
      ...sized,
      ...(options.transport ? { transport: options.transport } : {}),
      ...(signal ? { signal } : {}),
    }),
  );
  const replies = new ReplyReader(socket);
  const onAbort = () => socket.destroy();
  signal?.addEventListener('abort', onAbort, { once: true });
  const sent: SentFile[] = [];
  const failed: SendFailure[] = [];
  try {
    socket.write(encodePreamble());
    for (const file of planned) {
      const outcome = await sendOne(socket, replies, file, options.progress);
      if ('sha256' in outcome) {
        sent.push(outcome);
        options.onSent?.(outcome);
      } else {
        failed.push(outcome);
        options.onFailed?.(outcome);
      }
    }
    await writeWithBackpressure(socket, encodeEnd());
    // Everything is confirmed; a receiver slow to close is cut off after a while.
    await finishConnection(socket, 5000);
    return { sent, failed };
  } catch (error) {
    socket.destroy();
    if (signal?.aborted) throw signal.reason;
    throw error;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/** One file: header, the receiver's go-ahead, data and trailer, the receiver's verdict. */
async function sendOne(
  socket: VsockSocket,
  replies: ReplyReader,
  file: PlannedFile,
  progressFor: ProgressFactory | undefined,
): Promise<SentFile | SendFailure> {
  const started = performance.now();
  const refused = (failure: { code: string; message: string }): SendFailure => ({
    name: file.name,
    path: file.path,
    code: failure.code,
    message: failure.message,
  });
  await writeWithBackpressure(socket, encodeFileHeader({ name: file.name, size: file.size }));
  const answer = await replies.next(file.name);
  if (answer.type === 'failed') return refused(answer.failure);
  if (answer.type !== 'accepted') throw unexpectedReply(answer.type, file.name);

  await writeWithBackpressure(socket, encodeDataStart());
  const progress = progressFor?.(file.name, file.size) ?? noProgress;
  let digest: Buffer;
  try {
    digest = await streamFile(socket, replies, file, progress);
  } catch (error) {
    // The frame cannot be completed: drop the connection (the receiver deletes its partial
    // file) and prefer the receiver's own reason, when it gave one, over the write error.
    const connectionBroke = socket.destroyed;
    socket.destroy();
    const reason = replies.takeQueuedFailure();
    if (reason?.type === 'failed')
      throw new TransferError(
        transferCode(reason.failure.code, 'ERR_VMCI_TRANSFER_FAILED'),
        reason.failure.message,
        { cause: error },
      );
    if (connectionBroke)
      throw new TransferError(
        transferCode(errorCodeOf(error), 'ECONNRESET'),
        `the connection to the receiver broke while sending ${quoteName(file.name)}: it was not stored`,
        { cause: error },
      );
    throw error;
  } finally {
    progress.finish();
  }
  await writeWithBackpressure(socket, encodeTrailer(digest));
  const verdict = await replies.next(file.name);
  if (verdict.type === 'failed') return refused(verdict.failure);
  if (verdict.type !== 'stored') throw unexpectedReply(verdict.type, file.name);
  const sha256 = digest.toString('hex');
  if (!verdict.sha256.equals(digest))
    return refused({
      code: transferErrorCodes.hashMismatch,
      message: `the receiver stored ${quoteName(file.name)} with SHA-256 ${verdict.sha256.toString('hex')}, but ${sha256} was sent: check the file on the receiver`,
    });
  const seconds = (performance.now() - started) / 1000;
  return {
    name: file.name,
    path: file.path,
    size: file.size,
    sha256,
    seconds,
    bytesPerSecond: seconds > 0 ? Math.round(file.size / seconds) : 0,
  };
}

function unexpectedReply(type: string, name: string): TransferError {
  return new TransferError(
    transferErrorCodes.badFrame,
    `the receiver answered '${type}' out of turn for ${quoteName(name)}: it is not a compatible 'vmci recv'`,
  );
}

/**
 * Streams exactly `file.size` bytes, hashing as it goes; returns the SHA-256. A pipeline: while
 * one chunk is hashed and handed to the socket, the next is being read (in the thread pool), and
 * the socket may hold up to {@link MAX_UNSENT_BYTES} before the sender waits for the receiver.
 */
async function streamFile(
  socket: VsockSocket,
  replies: ReplyReader,
  file: PlannedFile,
  progress: TransferProgress,
): Promise<Buffer> {
  const hash = createHash('sha256');
  let sent = 0;
  if (file.size > 0) {
    let reader: ChunkReader | undefined;
    try {
      reader = await ChunkReader.open(file.path, file.size);
      for (let chunk = await reader.next(); chunk !== undefined; chunk = await reader.next()) {
        hash.update(chunk.bytes);
        sent += chunk.bytes.length;
        await writeQueued(socket, chunk.bytes, MAX_UNSENT_BYTES, chunk.release);
        progress.update(sent);
        // The receiver gave up on this file (disk full, …): stop sending into the void.
        const early = replies.takeQueuedFailure();
        if (early?.type === 'failed')
          throw new TransferError(
            transferCode(early.failure.code, 'ERR_VMCI_TRANSFER_FAILED'),
            early.failure.message,
          );
      }
    } catch (error) {
      // Socket failures are TransferErrors already; the rest is the file, removed or made
      // unreadable after it was checked: name it rather than pass on Node's bare message.
      throw readError(file.path, error);
    } finally {
      await reader?.close();
    }
  }
  if (sent !== file.size)
    throw new TransferError(
      transferErrorCodes.sourceChanged,
      `${quoteName(file.path)} shrank from ${file.size} to ${sent} bytes while it was being sent: nothing was stored; send it again once nothing writes to it`,
    );
  return hash.digest();
}

/** A chunk of a file and how to give its buffer back once the socket is done with it. */
interface FileChunk {
  readonly bytes: Buffer;
  readonly release: () => void;
}

/**
 * Reads the first `size` bytes of a file in {@link READ_CHUNK_BYTES} chunks, one read ahead,
 * into a few reused buffers. Ends early (a short count) when the file shrank; bytes past `size`
 * (a file that grew) are not read.
 */
class ChunkReader {
  private readonly spare: Buffer[] = [];
  private offset = 0;
  private ahead: Promise<FileChunk | undefined> | undefined;
  private ended = false;

  private constructor(
    private readonly handle: FileHandle,
    private readonly size: number,
  ) {
    this.ahead = this.read();
  }

  static async open(path: string, size: number): Promise<ChunkReader> {
    return new ChunkReader(await open(path, 'r'), size);
  }

  /** The next chunk (the one after it is read meanwhile), or undefined at the end. */
  async next(): Promise<FileChunk | undefined> {
    const chunk = await this.ahead;
    this.ahead = chunk === undefined ? undefined : this.read();
    return chunk;
  }

  /** Waits for a read still under way (its result is dropped), then closes the file. */
  async close(): Promise<void> {
    this.ended = true;
    await this.ahead?.catch(() => undefined);
    this.ahead = undefined;
    await this.handle.close().catch(() => undefined);
  }

  private async read(): Promise<FileChunk | undefined> {
    const length = Math.min(READ_CHUNK_BYTES, this.size - this.offset);
    if (length <= 0 || this.ended) return undefined;
    const buffer = this.spare.pop() ?? Buffer.allocUnsafeSlow(READ_CHUNK_BYTES);
    let filled = 0;
    while (filled < length) {
      const { bytesRead } = await this.handle.read(
        buffer,
        filled,
        length - filled,
        this.offset + filled,
      );
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    this.offset += filled;
    if (filled < length) this.ended = true;
    if (filled === 0) return undefined;
    // Back into the pool once the socket has taken the bytes; at most a few ever exist.
    const release = () => {
      if (this.spare.length < 2) this.spare.push(buffer);
    };
    return { bytes: buffer.subarray(0, filled), release };
  }
}
