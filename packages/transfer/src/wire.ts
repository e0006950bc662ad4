/**
 * Socket plumbing for transfers: writes that wait for the peer (backpressure), the sender's
 * queue of receiver replies, and closing a connection after the last reply went out.
 */
import { errorCodeOf, type VsockSocket } from '@vmci/sockets';
import { ReplyDecoder, type ReplyEvent } from './decoder.js';
import { TransferError, transferCode, transferErrorCodes } from './errors.js';
import { quoteName } from './name.js';

/**
 * The vsock buffer (bytes) `vmci send` and `vmci recv` ask for unless told otherwise
 * (`--buffer-size`): the best of 256 KiB (the kernel's default), 1 MiB and 4 MiB measured by
 * `pnpm bench:vm` (bench/README.md). Bytes in flight are capped by the smaller of both ends'.
 */
export const defaultTransferBufferSize = 4 * 1024 * 1024;

/** Errors a transport gives for a buffer size it does not take (the kernel clamped or refused it). */
const bufferSizeRefusals = new Set([
  'ERR_VMCI_INVALID_ARGUMENT',
  'EINVAL',
  'ENOPROTOOPT',
  'EOPNOTSUPP',
]);

/**
 * Runs `open` (a connect or a listen) with the buffer size asked for, else with
 * {@link defaultTransferBufferSize}. The default is a preference, not a requirement: when the
 * transport refuses it, `open` runs once more with the transport's own size. A size the user
 * chose is never dropped: its refusal is the error.
 */
export async function withTransferBufferSize<T>(
  bufferSize: number | undefined,
  open: (sized: { bufferSize?: number }) => Promise<T>,
): Promise<T> {
  if (bufferSize !== undefined) return open({ bufferSize });
  try {
    return await open({ bufferSize: defaultTransferBufferSize });
  } catch (error) {
    if (!bufferSizeRefusals.has(errorCodeOf(error) ?? '')) throw error;
    return open({});
  }
}

/** A reply to a file: accepted, stored or failed. */
export type FileReply = Exclude<ReplyEvent, { type: 'hello' }>;

function connectionClosed(cause?: Error): TransferError {
  const code = errorCodeOf(cause);
  return new TransferError(
    transferCode(code, 'ECONNRESET'),
    `the connection closed${cause ? ` (${cause.message})` : ''}`,
    cause ? { cause } : {},
  );
}

/**
 * Writes `chunk`; when the socket's buffer is full, resolves only once it drained, so a fast
 * disk never piles a file up in memory. Rejects when the connection closes first.
 */
export function writeWithBackpressure(socket: VsockSocket, chunk: Buffer): Promise<void> {
  return writeQueued(socket, chunk, 0);
}

/**
 * Writes `chunk` and resolves at once while the socket holds at most `maxUnsent` bytes it has not
 * passed on yet; past that, once it drained. So a sender keeps the socket busy (the next chunk is
 * queued while this one goes out) and still never holds more than about `maxUnsent` bytes.
 * `onWritten` runs once the socket is done with `chunk` (its buffer may then be reused), also
 * when the write failed. Rejects when the connection closes first.
 */
export function writeQueued(
  socket: VsockSocket,
  chunk: Buffer,
  maxUnsent: number,
  onWritten?: () => void,
): Promise<void> {
  if (socket.destroyed || !socket.writable) return Promise.reject(connectionClosed());
  const fits = socket.write(chunk, onWritten && (() => onWritten()));
  if (fits || !socket.writableNeedDrain || socket.writableLength <= maxUnsent)
    return Promise.resolve();
  return new Promise((resolve, reject) => {
    const settle = (error?: Error) => {
      socket.off('drain', onDrain);
      socket.off('close', onClose);
      socket.off('error', onError);
      if (error) reject(error);
      else resolve();
    };
    const onDrain = () => settle();
    const onClose = () => settle(connectionClosed());
    const onError = (error: Error) => settle(connectionClosed(error));
    socket.on('drain', onDrain);
    socket.on('close', onClose);
    socket.on('error', onError);
  });
}

/**
 * The sender's view of the receiver's answers, in order. Replies that arrived before the
 * connection broke are still handed out, so the receiver's own reason for closing wins over a
 * bare ECONNRESET.
 */
export class ReplyReader {
  private readonly decoder = new ReplyDecoder();
  private readonly queue: FileReply[] = [];
  private waiter:
    | { resolve(reply: FileReply): void; reject(error: Error): void; name: string }
    | undefined;
  /** Set once no more replies can come: a protocol error, or the connection's cause of death. */
  private protocolError: TransferError | undefined;
  private closedBy: Error | undefined;
  private closed = false;
  private greeted = false;

  constructor(private readonly socket: VsockSocket) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => {
      try {
        this.decoder.finish();
      } catch (error) {
        this.protocolError ??= error as TransferError;
      }
      this.onClosed();
    });
    socket.on('error', (error) => {
      this.closedBy ??= error;
      this.onClosed();
    });
    socket.on('close', () => this.onClosed());
  }

  /** The next reply for the file `name`; rejects when the connection ends before one. */
  next(name: string): Promise<FileReply> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    if (this.protocolError || this.closed) return Promise.reject(this.failure(name));
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject, name };
    });
  }

  /** A failure reply that already arrived (without waiting), e.g. after a write failed. */
  takeQueuedFailure(): FileReply | undefined {
    const index = this.queue.findIndex((reply) => reply.type === 'failed');
    return index === -1 ? undefined : this.queue.splice(index, 1)[0];
  }

  private onData(chunk: Buffer) {
    if (this.protocolError) return;
    try {
      for (const event of this.decoder.push(chunk)) {
        if (event.type === 'hello') this.greeted = true;
        else this.deliver(event);
      }
    } catch (error) {
      this.protocolError = error as TransferError;
      this.socket.destroy();
      this.onClosed();
    }
  }

  private deliver(reply: FileReply) {
    const waiter = this.waiter;
    this.waiter = undefined;
    if (waiter) waiter.resolve(reply);
    else this.queue.push(reply);
  }

  private onClosed() {
    this.closed = true;
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.reject(this.failure(waiter.name));
  }

  private failure(name: string): TransferError {
    if (this.protocolError) return this.protocolError;
    const cause = this.closedBy;
    const code = errorCodeOf(cause);
    return new TransferError(
      transferErrorCodes.notConfirmed,
      `the receiver closed the connection before confirming ${quoteName(name)}${code ? ` (${code})` : ''}${this.greeted ? '' : ": is 'vmci recv' listening on that port?"}; the file may not have been stored`,
      cause ? { cause } : {},
    );
  }
}

/**
 * Ends our side after the replies written so far and waits for the connection to close. Input
 * still arriving is discarded (a sender mid-file is not left blocked on a full buffer); a peer
 * that never closes is cut off after `lingerMs`.
 */
export function finishConnection(socket: VsockSocket, lingerMs = 2000): Promise<void> {
  if (socket.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => socket.destroy(), lingerMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.on('error', () => {});
    socket.on('data', () => {});
    socket.end();
  });
}
