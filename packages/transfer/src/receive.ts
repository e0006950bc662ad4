/**
 * The receiving side: {@link receiveFiles} listens and stores files from senders ({@link sendFiles},
 * `vmci send`) in a directory. Each file is written to a hidden temporary file and renamed to its
 * name only once size and SHA-256 match (see file-sink.ts); without `keep` it serves one sender.
 */
import { finished } from 'node:stream';
import {
  createServer,
  errorCodeOf,
  PORT_ANY,
  resolveCid,
  type Transport,
  type VsockAddress,
  type VsockSocket,
} from '@vmci/sockets';
import { TransferDecoder, type TransferEvent } from './decoder.js';
import { describeError, TransferError, transferErrorCodes } from './errors.js';
import { FileSink, type StoredFile } from './file-sink.js';
import { quoteName } from './name.js';
import { noProgress, type ProgressFactory, type TransferProgress } from './progress.js';
import {
  encodeAccepted,
  encodeFailed,
  encodePreamble,
  encodeStored,
  type FileHeader,
} from './protocol.js';
import { finishConnection, withTransferBufferSize, writeWithBackpressure } from './wire.js';

/** Where and how {@link receiveFiles} listens, what it accepts, and what it reports to. */
export interface ReceiveFilesOptions {
  /** Where to store files: an existing directory. */
  readonly dir: string;
  /** Port to listen on; 0 or PORT_ANY (the default) picks a free one (see `onListening`). */
  readonly port?: number;
  /** Listen on this CID only (default any). */
  readonly cid?: number | string;
  /** Serve any number of senders until `signal` aborts (default: one sender, then resolve). */
  readonly keep?: boolean;
  /** Replace existing files (default: refuse them with EEXIST). */
  readonly overwrite?: boolean;
  /** Refuse files larger than this many bytes before any of their data is sent. */
  readonly maxSize?: number;
  /**
   * Drop a sender that sends nothing for this many ms (its partial file is deleted); default: wait
   * as long as the connection lasts.
   */
  readonly idleTimeoutMs?: number;
  /**
   * `SO_VM_SOCKETS_BUFFER_SIZE` of every accepted connection, in bytes (default:
   * {@link defaultTransferBufferSize}). Bytes in flight are capped by the smaller
   * of the sender's and the receiver's buffer.
   */
  readonly bufferSize?: number;
  /** Where to listen (default: the kernel). Tests pass the testkit host's transport. */
  readonly transport?: Transport;
  /**
   * Stops listening and interrupts transfers in progress (their temporary files are deleted);
   * the promise then resolves with what was stored.
   */
  readonly signal?: AbortSignal;
  /** Draws progress per file (default: nothing). */
  readonly progress?: ProgressFactory;
  /** Called once listening, with the bound address. */
  readonly onListening?: (address: VsockAddress) => void;
  /** Called when a sender connects. */
  readonly onConnection?: (peer: Peer) => void;
  /** Called as each file is stored under its final name. */
  readonly onStored?: (file: ReceivedFile) => void;
  /** Called for each refused or failed file and each broken connection. */
  readonly onFailed?: (failure: ReceiveFailure) => void;
}

/** Where a sender connected from. */
export interface Peer {
  readonly remoteCid: number | undefined;
  readonly remotePort: number | undefined;
}

/** A file stored under its final name, its SHA-256 checked. */
export interface ReceivedFile extends StoredFile, Peer {
  /** From the header's arrival to the file being in place. */
  readonly seconds: number;
  readonly bytesPerSecond: number;
}

/** A refused or failed file (nothing under its name), or a connection that broke off. */
export interface ReceiveFailure extends Peer {
  /** The file's name, when the failure concerns one. */
  readonly name?: string;
  readonly code: string;
  readonly message: string;
}

/** What {@link receiveFiles} resolves with: every stored and every failed file. */
export interface ReceiveSummary {
  readonly stored: readonly ReceivedFile[];
  readonly failed: readonly ReceiveFailure[];
  /** Senders served. */
  readonly senders: number;
}

/**
 * Listens and receives files into `options.dir`. Resolves after the first sender's batch (or,
 * with `keep`, once `signal` aborts) with what was stored and what failed. Rejects when it
 * cannot listen, or with the error an `on…` callback threw (after stopping and cleaning up).
 */
export async function receiveFiles(options: ReceiveFilesOptions): Promise<ReceiveSummary> {
  const { signal } = options;
  signal?.throwIfAborted();
  const port = options.port ?? PORT_ANY;
  const cid = options.cid === undefined ? undefined : resolveCid(options.cid);
  const { server, address } = await withTransferBufferSize(options.bufferSize, async (sized) => {
    const server = createServer({
      allowHalfOpen: true,
      ...sized,
      ...(options.transport ? { transport: options.transport } : {}),
    });
    const address = await server.listenAsync({ port, ...(cid !== undefined ? { cid } : {}) });
    return { server, address };
  });
  const stored: ReceivedFile[] = [];
  const failed: ReceiveFailure[] = [];
  const sessions = new Set<ReceiveSession>();
  let senders = 0;
  // A throwing callback is the caller's bug: stop everything, then reject with it (not a hang).
  let callbackError: { error: unknown } | undefined;
  let stopForCallback = () => {};
  const call = <T>(callback: ((value: T) => void) | undefined, value: T) => {
    try {
      callback?.(value);
    } catch (error) {
      callbackError ??= { error };
      stopForCallback();
    }
  };
  const report: SessionReport = {
    stored(file) {
      stored.push(file);
      call(options.onStored, file);
    },
    failed(failure) {
      failed.push(failure);
      call(options.onFailed, failure);
    },
  };

  await new Promise<void>((resolve) => {
    // Stopped: no more senders are accepted; done once the sessions under way have ended.
    let stopped = false;
    const resolveWhenIdle = () => {
      if (stopped && sessions.size === 0) {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }
    };
    const stop = () => {
      stopped = true;
      if (server.listening) server.close();
      resolveWhenIdle();
    };
    const onAbort = () => {
      for (const session of sessions) session.interrupt();
      stop();
    };
    stopForCallback = onAbort;
    server.on('connection', (socket) => {
      if (stopped) {
        socket.destroy();
        return;
      }
      senders++;
      call(options.onConnection, { remoteCid: socket.remoteCid, remotePort: socket.remotePort });
      if (callbackError) {
        socket.destroy();
        return;
      }
      const session = new ReceiveSession(socket, options, report);
      sessions.add(session);
      void session.run().then(() => {
        sessions.delete(session);
        resolveWhenIdle();
      });
      // One sender only: stop accepting at once, so a second one is refused, not queued.
      if (!options.keep) stop();
    });
    server.on('error', (error) => {
      report.failed({ ...describeError(error), remoteCid: undefined, remotePort: undefined });
      stop();
    });
    signal?.addEventListener('abort', onAbort, { once: true });
    // Aborted while the listener was starting: the event has already fired.
    if (signal?.aborted) onAbort();
    else call(options.onListening, address);
  });
  if (callbackError) throw callbackError.error;
  return { stored, failed, senders };
}

interface SessionReport {
  stored(file: ReceivedFile): void;
  failed(failure: ReceiveFailure): void;
}

/** One sender's connection: decodes its stream and answers every file. */
class ReceiveSession {
  private readonly decoder = new TransferDecoder();
  private readonly peer: Peer;
  /** The accepted file: its temporary file is open and its data is expected. */
  private current:
    | { header: FileHeader; sink: FileSink; started: number; progress: TransferProgress }
    | undefined;
  private greeted = false;
  private interrupted = false;
  private idled = false;

  constructor(
    private readonly socket: VsockSocket,
    private readonly options: ReceiveFilesOptions,
    private readonly report: SessionReport,
  ) {
    this.peer = { remoteCid: socket.remoteCid, remotePort: socket.remotePort };
    // Errors also end the read loop; this listener only keeps a late one from going unhandled.
    socket.on('error', () => {});
    const idleMs = options.idleTimeoutMs;
    if (idleMs !== undefined)
      socket.setTimeout(idleMs, () => {
        this.idled = true;
        socket.destroy();
      });
  }

  private idleError(): TransferError {
    return new TransferError(
      transferErrorCodes.idle,
      `the sender at ${this.peer.remoteCid}:${this.peer.remotePort} sent nothing for ${this.options.idleTimeoutMs} ms: dropped it${this.current ? ' and deleted the partial file' : ''}; send again, or raise --idle-timeout`,
    );
  }

  /** Stops at once: the connection is dropped and the file in progress deleted. */
  interrupt(): void {
    this.interrupted = true;
    this.socket.destroy();
  }

  /** Serves the connection to its end; never rejects (failures are reported). */
  async run(): Promise<void> {
    try {
      await this.receive();
      if (this.idled) throw this.idleError();
    } catch (caught) {
      // A connection dropped for idleness also ends as a truncation: report the reason instead.
      const error = this.idled ? this.idleError() : caught;
      const inProgress = this.current?.header.name;
      await this.discardCurrent();
      if (this.interrupted) {
        if (inProgress !== undefined)
          this.fail({
            name: inProgress,
            code: transferErrorCodes.interrupted,
            message: `receiving ${quoteName(inProgress)} was interrupted (vmci recv is stopping): the partial data was deleted`,
          });
      } else {
        const failure = describeError(error);
        this.fail({ ...(inProgress !== undefined ? { name: inProgress } : {}), ...failure });
        // Tell the sender why, if it can still hear it and speaks the protocol (no waiting for
        // a drain: finishConnection cuts off a sender that does not read).
        if (this.greeted && !this.socket.destroyed && this.socket.writable)
          this.socket.write(encodeFailed(failure));
      }
    }
    await finishConnection(this.socket);
  }

  private async receive(): Promise<void> {
    const lost: { error?: Error } = {};
    await this.consume(lost);
    try {
      this.decoder.finish();
    } catch (error) {
      // A reset mid-file is a truncation; name the reset as well as where it happened.
      const code = errorCodeOf(lost.error);
      if (code && error instanceof TransferError)
        throw new TransferError(error.code, `${error.message} (${code})`, { cause: lost.error });
      throw error;
    }
  }

  /**
   * Handles the connection's events in order as its data arrives ('data' events: no detour per
   * chunk through the stream's read queue and the microtask queue). While a step waits (a file
   * opening, a full disk queue, a reply not yet drained) the socket is paused, so the next chunk
   * is taken only after the last was handled. Resolves when the input ended or broke (its error
   * kept in `lost`); rejects with the first error a step throws, without destroying the socket,
   * so a last reply can still go out.
   */
  private consume(lost: { error?: Error }): Promise<void> {
    const socket = this.socket;
    return new Promise<void>((resolve, reject) => {
      const backlog: TransferEvent[] = [];
      let waiting = false;
      let paused = false;
      let inputEnded = false;
      let done = false;
      const stop = (error?: unknown) => {
        if (done) return;
        done = true;
        socket.off('data', onData);
        stopWatching();
        if (error === undefined) resolve();
        else reject(error);
      };
      const work = () => {
        try {
          for (let event = backlog.shift(); event !== undefined; event = backlog.shift()) {
            const pending = this.handle(event);
            if (pending) {
              waiting = true;
              paused = true;
              socket.pause();
              pending.then(() => {
                waiting = false;
                work();
              }, stop);
              return;
            }
          }
        } catch (error) {
          stop(error);
          return;
        }
        if (inputEnded) stop();
        else if (paused) {
          paused = false;
          socket.resume();
        }
      };
      const onData = (chunk: Buffer) => {
        try {
          for (const event of this.decoder.push(chunk)) backlog.push(event);
        } catch (error) {
          stop(error);
          return;
        }
        if (!waiting) work();
      };
      const stopWatching = finished(socket, { writable: false }, (error) => {
        if (error) lost.error = error;
        inputEnded = true;
        if (!waiting) stop();
      });
      socket.on('data', onData);
    });
  }

  private handle(event: TransferEvent): Promise<void> | undefined {
    switch (event.type) {
      case 'hello':
        this.greeted = true;
        return this.reply(encodePreamble(event.version));
      case 'header':
        return this.accept(event.header);
      case 'data-start': {
        const current = this.expectCurrent(event.header.name, 'data');
        current.progress = (this.options.progress ?? (() => noProgress))(
          current.header.name,
          current.header.size,
        );
        return undefined;
      }
      case 'data': {
        const current = this.expectCurrent(undefined, 'data');
        const room = current.sink.append(event.chunk);
        current.progress.update(current.sink.bytesWritten);
        return room;
      }
      case 'trailer':
        return this.commit(event.sha256);
      case 'end':
        if (this.current)
          throw new TransferError(
            transferErrorCodes.badFrame,
            `the sender ended the batch without sending ${quoteName(this.current.header.name)}, which it had announced`,
          );
        return undefined;
    }
  }

  /** A header: open the file, or refuse it (exists, too large, bad name) before its data. */
  private async accept(header: FileHeader): Promise<void> {
    if (this.current)
      throw new TransferError(
        transferErrorCodes.badFrame,
        `the sender announced ${quoteName(header.name)} instead of sending ${quoteName(this.current.header.name)}`,
      );
    const started = performance.now();
    try {
      const sink = await FileSink.open({
        dir: this.options.dir,
        name: header.name,
        size: header.size,
        ...(this.options.overwrite ? { overwrite: true } : {}),
        ...(this.options.maxSize !== undefined ? { maxSize: this.options.maxSize } : {}),
      });
      this.current = { header, sink, started, progress: noProgress };
    } catch (error) {
      const failure = describeError(error);
      this.fail({ name: header.name, ...failure });
      return this.reply(encodeFailed(failure));
    }
    await this.reply(encodeAccepted());
  }

  /** The trailer: verify and put the file in place, then tell the sender. */
  private async commit(sha256: Buffer): Promise<void> {
    const current = this.expectCurrent(undefined, 'a SHA-256 trailer');
    this.current = undefined;
    current.progress.finish();
    let file: StoredFile;
    try {
      file = await current.sink.commit(sha256);
    } catch (error) {
      const failure = describeError(error);
      this.fail({ name: current.header.name, ...failure });
      return this.reply(encodeFailed(failure));
    }
    const seconds = (performance.now() - current.started) / 1000;
    this.report.stored({
      ...file,
      ...this.peer,
      seconds,
      bytesPerSecond: seconds > 0 ? Math.round(file.size / seconds) : 0,
    });
    await this.reply(encodeStored(sha256));
  }

  /**
   * Replies are small, but a sender that never reads them must not grow our buffer without
   * bound: wait for it to drain (and read no further input meanwhile).
   */
  private reply(frame: Buffer): Promise<void> {
    return writeWithBackpressure(this.socket, frame);
  }

  private expectCurrent(name: string | undefined, what: string) {
    const current = this.current;
    if (!current)
      throw new TransferError(
        transferErrorCodes.badFrame,
        `the sender sent ${what}${name === undefined ? '' : ` for ${quoteName(name)}`} although the receiver refused the file`,
      );
    return current;
  }

  private async discardCurrent(): Promise<void> {
    const current = this.current;
    this.current = undefined;
    if (!current) return;
    current.progress.finish();
    await current.sink.abort().catch(() => undefined);
  }

  private fail(failure: Omit<ReceiveFailure, keyof Peer>) {
    this.report.failed({ ...failure, ...this.peer });
  }
}
