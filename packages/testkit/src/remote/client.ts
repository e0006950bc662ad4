/**
 * `RemoteTransport`: a process joins a hypervisor served by another process (`hypervisor.serve`)
 * as the host or as a VM. Its sockets are the same `ChannelSocket`s the in-process fake hands out,
 * over a channel whose far end is a fake socket in the owning process.
 *
 * Streams only: SEQPACKET and datagrams are refused with ERR_VMCI_UNSUPPORTED. Flow control is the
 * fake's, plus what the Unix socket buffers between the processes: stream buffer sizes are reported
 * as the owning process applied them, but bytes in flight are not bounded by them exactly.
 */
import { statSync } from 'node:fs';
import net from 'node:net';
import {
  ChannelSocket,
  type DatagramChannel,
  type StreamChannel,
  type Transport,
  type TransportConnectRequest,
  type TransportListener,
  type TransportListenRequest,
  VmciError,
  type VmciErrorCode,
  type VsockAddress,
  type VsockMessageSocket,
  type VsockSocket,
} from '@vmci/sockets';
import { kernelError } from '../errors.js';
import { Frame, maxFramePayload, Wire, type WireError } from './wire.js';

/** Options of a {@link RemoteTransport}. */
export interface RemoteTransportOptions {
  /** The Unix socket the owning process serves the hypervisor on. */
  readonly path: string;
  /** Which endpoint this process is: 2 for the host (default), or a VM's CID. */
  readonly cid?: number;
}

function revive(error: WireError): VmciError {
  // The serving process sent a VmciError's own code: one of the registered codes.
  return new VmciError(error.code as VmciErrorCode, error.message, {
    ...(error.syscall !== undefined ? { syscall: error.syscall } : {}),
    ...(error.errno !== undefined ? { errno: error.errno } : {}),
  });
}

const asAddress = (value: unknown): VsockAddress => {
  const v = value as { cid?: number; port?: number };
  return { cid: v?.cid ?? 0, port: v?.port ?? 0 };
};

/** One end of a stream whose other end is a fake socket in the owning process. */
class RemoteStreamChannel implements StreamChannel {
  private readonly queue: Buffer[] = [];
  private queued = 0;
  private ended = false;
  private failure: VmciError | undefined;
  private closed = false;
  private shut = false;
  private readers: (() => void)[] = [];

  constructor(
    readonly local: VsockAddress,
    readonly remote: VsockAddress,
    private readonly wire: Wire,
    private readonly size: number,
    private readonly onClose: () => void,
  ) {
    const socket = wire.socket;
    wire.receiveFrames((type, payload) => {
      if (type === Frame.data) {
        this.queue.push(Buffer.from(payload));
        this.queued += payload.length;
        if (this.queued >= this.size) socket.pause();
      } else if (type === Frame.end) this.ended = true;
      else if (type === Frame.reset) this.failure ??= revive(JSON.parse(payload.toString()));
      this.wakeReaders();
    });
    socket.on('end', () => {
      // The owning process closed its end: like a closed peer, reads end and writes fail.
      this.ended = true;
      this.failure ??= kernelError('EPIPE', 'send', 'the peer has closed its end');
      this.wakeReaders();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      if (!this.ended)
        this.failure ??= kernelError(
          'ECONNRESET',
          'recv',
          'connection reset: the process that owns the virtual hypervisor went away',
        );
      this.ended = true;
      this.wakeReaders();
    });
  }

  private wakeReaders(): void {
    const readers = this.readers.splice(0);
    if (readers.length > 0)
      setImmediate(() => {
        for (const reader of readers) reader();
      });
  }

  private get readable(): boolean {
    return this.queue.length > 0 || this.ended || this.failure !== undefined;
  }

  read(buffer: Buffer): number | null {
    if (this.queue.length === 0) {
      if (this.failure && this.failure.code !== 'EPIPE') throw this.failure;
      return this.ended || this.failure ? 0 : null;
    }
    let n = 0;
    while (n < buffer.length && this.queue.length > 0) {
      const head = this.queue[0] as Buffer;
      const take = Math.min(head.length, buffer.length - n);
      head.copy(buffer, n, 0, take);
      n += take;
      if (take === head.length) this.queue.shift();
      else this.queue[0] = head.subarray(take);
    }
    this.queued -= n;
    if (this.queued < this.size && this.wire.socket.isPaused()) this.wire.socket.resume();
    return n;
  }

  write(data: Buffer): number | null {
    if (this.failure) throw this.failure;
    if (this.shut) throw kernelError('EPIPE', 'send', 'this end was shut down for writing');
    if (this.wire.socket.writableNeedDrain) return null;
    const n = Math.min(data.length, maxFramePayload);
    this.wire.sendFrame(Frame.data, data.subarray(0, n));
    return n;
  }

  wait(interest: 'readable' | 'writable', callback: () => void): void {
    if (this.closed) return;
    const guarded = () => {
      if (!this.closed) callback();
    };
    if (interest === 'readable') {
      if (this.readable) setImmediate(guarded);
      else this.readers.push(guarded);
      return;
    }
    const socket = this.wire.socket;
    if (!socket.writableNeedDrain || this.failure) setImmediate(guarded);
    else {
      const onReady = () => {
        socket.off('drain', onReady);
        socket.off('close', onReady);
        guarded();
      };
      socket.on('drain', onReady);
      socket.on('close', onReady);
    }
  }

  shutdownWrite(): void {
    if (this.failure && this.failure.code !== 'EPIPE') throw this.failure;
    if (this.shut) return;
    this.shut = true;
    if (!this.wire.socket.destroyed) this.wire.sendFrame(Frame.end);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const socket = this.wire.socket;
    if (!socket.destroyed) {
      this.wire.sendFrame(Frame.close);
      socket.end();
    }
    this.onClose();
  }

  setRef(ref: boolean): void {
    if (ref) this.wire.socket.ref();
    else this.wire.socket.unref();
  }

  bufferSize(): number {
    return this.size;
  }
}

/**
 * The {@link Transport} of a process that joins a hypervisor another process serves
 * (`hypervisor.serve`), as the host or as a VM. Streams only.
 */
export class RemoteTransport implements Transport {
  readonly name: string;
  readonly path: string;
  private readonly cid: number;
  private open = 0;

  constructor(options: RemoteTransportOptions) {
    this.path = options.path;
    this.cid = options.cid ?? 2;
    this.name = `testkit-remote/${this.cid}`;
    let isSocket = false;
    try {
      isSocket = statSync(this.path).isSocket();
    } catch {}
    if (!isSocket)
      throw new VmciError(
        'ERR_VMCI_TRANSPORT_UNREACHABLE',
        `no testkit hypervisor is served at ${this.path}: start one with hypervisor.serve(path) or \`vmci-testkit serve ${this.path}\`, or fix the path`,
      );
  }

  localCid(): number {
    return this.cid;
  }

  /** This process's open connections and listeners through this transport. */
  openResources(): number {
    return this.open;
  }

  /**
   * Opens a wire, sends the request and resolves with the first reply line. A full accept queue of
   * the served socket (EAGAIN, e.g. 1,000 connects at once) is retried with a short backoff.
   */
  private async request(
    request: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<{ wire: Wire; reply: Record<string, unknown> }> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.requestOnce(request, signal);
      } catch (error) {
        if ((error as { busy?: boolean }).busy !== true || attempt >= 200) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.min(50, 1 + attempt)));
      }
    }
  }

  private requestOnce(
    request: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<{ wire: Wire; reply: Record<string, unknown> }> {
    signal?.throwIfAborted();
    return new Promise((resolve, reject) => {
      const socket = net.connect(this.path);
      const wire = new Wire(socket);
      const fail = (error: Error) => {
        signal?.removeEventListener('abort', onAbort);
        socket.destroy();
        reject(error);
      };
      const onAbort = () => fail(signal?.reason as Error);
      signal?.addEventListener('abort', onAbort, { once: true });
      socket.once('error', (error: NodeJS.ErrnoException) =>
        fail(
          Object.assign(
            new VmciError(
              'ERR_VMCI_TRANSPORT_UNREACHABLE',
              `the testkit hypervisor at ${this.path} cannot be reached (${error.code ?? error.message}): is the process that serves it running?`,
            ),
            { busy: error.code === 'EAGAIN' },
          ),
        ),
      );
      socket.once('close', () =>
        fail(
          new VmciError(
            'ERR_VMCI_TRANSPORT_UNREACHABLE',
            `the testkit hypervisor at ${this.path} closed the connection before answering`,
          ),
        ),
      );
      wire.onLine = (reply) => {
        wire.onLine = () => {};
        // A data connection carries frames after the reply (possibly in the same chunk).
        if (request.op !== 'listen') wire.mode = 'frames';
        signal?.removeEventListener('abort', onAbort);
        socket.removeAllListeners('error');
        socket.removeAllListeners('close');
        if (reply.ok !== true) {
          socket.destroy();
          reject(revive(reply.error as WireError));
          return;
        }
        resolve({ wire, reply });
      };
      wire.sendLine(request);
    });
  }

  private channel(wire: Wire, reply: Record<string, unknown>): RemoteStreamChannel {
    this.open++;
    return new RemoteStreamChannel(
      asAddress(reply.local),
      asAddress(reply.remote),
      wire,
      typeof reply.bufferSize === 'number' ? reply.bufferSize : 262144,
      () => {
        this.open--;
      },
    );
  }

  async connect(request: TransportConnectRequest): Promise<VsockSocket> {
    const { wire, reply } = await this.request(
      {
        op: 'connect',
        from: this.cid,
        cid: request.cid,
        port: request.port,
        timeout: request.timeout,
        bufferSize: request.bufferSize,
        localPort: request.localPort,
      },
      request.signal,
    );
    const options =
      request.allowHalfOpen === undefined ? {} : { allowHalfOpen: request.allowHalfOpen };
    return new ChannelSocket(this.channel(wire, reply), options);
  }

  async listen(
    request: TransportListenRequest,
    handlers: { connection(socket: VsockSocket): void; error(error: Error): void },
  ): Promise<TransportListener> {
    if (request.fd !== undefined)
      throw new VmciError(
        'ERR_VMCI_UNSUPPORTED',
        'the virtual hypervisor has no file descriptors to serve (listen({ fd })): listen on a port instead',
      );
    const { wire, reply } = await this.request({
      op: 'listen',
      from: this.cid,
      cid: request.cid,
      port: request.port,
      bufferSize: request.bufferSize,
    });
    const address = asAddress(reply.address);
    const options =
      request.allowHalfOpen === undefined ? {} : { allowHalfOpen: request.allowHalfOpen };
    let closed = false;
    let unbound!: () => void;
    const closing = new Promise<void>((resolve) => {
      unbound = resolve;
    });
    this.open++;
    wire.onLine = (notice) => {
      if (notice.closed === true) {
        unbound();
        return;
      }
      if (typeof notice.accept !== 'number' || closed) return;
      this.request({ op: 'attach', id: notice.accept }).then(
        (attached) => {
          const socket = new ChannelSocket(this.channel(attached.wire, notice), options);
          if (closed) socket.destroy();
          else handlers.connection(socket);
        },
        () => {},
      );
    };
    /** Asks the owning process to close the listener; resolves once it has (the port is free). */
    const close = (): Promise<void> => {
      if (closed) return closing;
      closed = true;
      this.open--;
      if (wire.socket.destroyed) unbound();
      else {
        wire.sendLine({ op: 'close' });
        wire.socket.end();
      }
      return closing;
    };
    wire.socket.on('error', () => {});
    wire.socket.on('close', () => {
      unbound();
      if (!closed)
        handlers.error(kernelError('ECONNRESET', 'accept', 'the testkit hypervisor went away'));
      void close();
    });
    return {
      address: () => address,
      close,
      ref: () => wire.socket.ref(),
      unref: () => wire.socket.unref(),
    };
  }

  private unsupported(what: string): never {
    throw new VmciError(
      'ERR_VMCI_UNSUPPORTED',
      `${what} is not carried across processes by the testkit yet: use streams, or run that part in the process that owns the hypervisor`,
    );
  }

  async connectSeqpacket(_request: TransportConnectRequest): Promise<VsockMessageSocket> {
    return this.unsupported('SEQPACKET');
  }

  async listenSeqpacket(
    _request: TransportListenRequest,
    _handlers: { connection(socket: VsockMessageSocket): void; error(error: Error): void },
  ): Promise<TransportListener> {
    return this.unsupported('SEQPACKET');
  }

  async bindDatagram(_request: VsockAddress): Promise<DatagramChannel> {
    return this.unsupported('DGRAM');
  }
}
