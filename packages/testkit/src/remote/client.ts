/**
 * `RemoteTransport`: a process joins a hypervisor served by another process (`hypervisor.serve`)
 * as the host or as a VM. Its sockets are the same `ChannelSocket`s the in-process fake hands out,
 * over a channel whose far end is a fake socket in the owning process.
 *
 * Streams, SEQPACKET (whole messages, end-of-record marks, staged truncations; oversize refused as
 * in-process) and datagrams (queued and dropped in the owning process, as in-process). Flow control
 * is the fake's, plus what the Unix socket buffers between the processes: buffer sizes are reported
 * as the owning process applied them, but bytes in flight are not bounded by them exactly.
 */
import { statSync } from 'node:fs';
import net from 'node:net';
import {
  type BoundDatagramSocket,
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
import {
  ChannelSocket,
  type DatagramChannel,
  datagramSocketOf,
  type MessageChannel,
  messageSocketOf,
  type ReceivedDatagram,
  type ReceivedMessage,
  type StreamChannel,
} from '@vmci/sockets/transport';
import { kernelError } from '../errors.js';
import { readQueuedBytes } from '../pipes.js';
import {
  decodeDatagram,
  decodeMessage,
  encodeDatagram,
  encodeMessage,
  Frame,
  maxFramePayload,
  Wire,
  type WireError,
  type WireMessage,
} from './wire.js';

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

const sizeOf = (value: unknown): number => (typeof value === 'number' ? value : 262144);

const asAddress = (value: unknown): VsockAddress => {
  const v = value as { cid?: number; port?: number };
  return { cid: v?.cid ?? 0, port: v?.port ?? 0 };
};

/**
 * One end of a connection whose other end is a fake socket in the owning process: end of stream,
 * resets, waits, half-close and close, whatever the connection carries.
 */
abstract class RemoteConnectionEnd<T extends { length: number }> {
  protected readonly queue: T[] = [];
  protected queued = 0;
  protected ended = false;
  protected failure: VmciError | undefined;
  private closed = false;
  protected shut = false;
  private readers: (() => void)[] = [];

  constructor(
    readonly local: VsockAddress,
    readonly remote: VsockAddress,
    protected readonly wire: Wire,
    protected readonly size: number,
    private readonly onClose: () => void,
  ) {
    const socket = wire.socket;
    wire.receiveFrames((type, payload) => {
      const item = this.decode(type, payload);
      if (item) {
        this.queue.push(item);
        this.queued += item.length;
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

  /** The item a data frame carries (`undefined` for other frames). */
  protected abstract decode(type: number, payload: Buffer): T | undefined;

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

  /** Nothing queued: throws a reset, true at end of stream, false when more may come. */
  protected atEnd(): boolean {
    if (this.failure && this.failure.code !== 'EPIPE') throw this.failure;
    return this.ended || this.failure !== undefined;
  }

  /** `bytes` were read: the wire may deliver again once the queue is below the buffer size. */
  protected consumed(bytes: number): void {
    this.queued -= bytes;
    if (this.queued < this.size && this.wire.socket.isPaused()) this.wire.socket.resume();
  }

  /** Throws what a send gets on a failed or shut-down end. */
  protected checkSendable(syscall: string): void {
    if (this.failure) throw this.failure;
    if (this.shut) throw kernelError('EPIPE', syscall, 'this end was shut down for writing');
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

/** One end of a stream whose other end is a fake socket in the owning process. */
class RemoteStreamChannel extends RemoteConnectionEnd<Buffer> implements StreamChannel {
  protected decode(type: number, payload: Buffer): Buffer | undefined {
    return type === Frame.data ? Buffer.from(payload) : undefined;
  }

  read(buffer: Buffer): number | null {
    if (this.queue.length === 0) return this.atEnd() ? 0 : null;
    const n = readQueuedBytes(this.queue, buffer);
    this.consumed(n);
    return n;
  }

  write(data: Buffer): number | null {
    this.checkSendable('send');
    if (this.wire.socket.writableNeedDrain) return null;
    const n = Math.min(data.length, maxFramePayload);
    this.wire.sendFrame(Frame.data, data.subarray(0, n));
    return n;
  }
}

/**
 * One end of a SEQPACKET connection: whole messages both ways. As in-process (and on the kernel),
 * a message larger than this end's buffer or the peer's is refused here, before it crosses.
 */
class RemoteMessageChannel extends RemoteConnectionEnd<WireMessage> implements MessageChannel {
  constructor(
    local: VsockAddress,
    remote: VsockAddress,
    wire: Wire,
    size: number,
    private readonly peerBufferSize: number,
    onClose: () => void,
  ) {
    super(local, remote, wire, size, onClose);
  }

  get maxMessageSize(): number {
    return this.size;
  }

  protected decode(type: number, payload: Buffer): WireMessage | undefined {
    return type === Frame.message ? decodeMessage(payload) : undefined;
  }

  send(message: Buffer, endOfRecord: boolean): boolean {
    this.checkSendable('sendmsg');
    if (message.length > Math.min(this.size, this.peerBufferSize))
      throw kernelError(
        'EMSGSIZE',
        'sendmsg',
        `the message is larger than the sender's (${this.size}) or the receiver's (${this.peerBufferSize}) buffer: split it`,
      );
    if (this.wire.socket.writableNeedDrain) return false;
    this.wire.sendFrame(
      Frame.message,
      encodeMessage({ data: message, length: message.length, truncated: false, endOfRecord }),
    );
    return true;
  }

  receive(): ReceivedMessage | null {
    const message = this.queue.shift();
    if (!message)
      return this.atEnd()
        ? { data: Buffer.alloc(0), length: 0, truncated: false, endOfRecord: false }
        : null;
    this.consumed(message.length);
    return message;
  }
}

/**
 * A datagram socket bound in the owning process. Its receive queue lives there: a datagram counts
 * against it until this end has read it (an ack), so drops happen as they do in-process.
 */
class RemoteDatagramChannel implements DatagramChannel {
  private readonly queue: ReceivedDatagram[] = [];
  private readers: (() => void)[] = [];
  private closed = false;
  private failure: VmciError | undefined;

  constructor(
    readonly local: VsockAddress,
    readonly maxDatagramSize: number,
    private readonly wire: Wire,
    private readonly onClose: () => void,
  ) {
    wire.receiveFrames((type, payload) => {
      if (type !== Frame.datagram) return;
      const datagram = decodeDatagram(payload);
      this.queue.push({
        data: datagram.data,
        from: datagram.address,
        truncated: datagram.truncated,
      });
      this.wakeReaders();
    });
    wire.socket.on('error', () => {});
    wire.socket.on('close', () => {
      if (this.closed) return;
      this.failure = kernelError(
        'ENODEV',
        'recvfrom',
        'the process that owns the virtual hypervisor went away: no datagrams can arrive',
      );
      this.wakeReaders();
    });
  }

  private wakeReaders(): void {
    const readers = this.readers.splice(0);
    if (readers.length > 0)
      setImmediate(() => {
        for (const reader of readers) if (!this.closed) reader();
      });
  }

  send(data: Buffer, to: VsockAddress): boolean {
    if (this.closed) throw kernelError('EBADF', 'sendto', 'the socket is closed');
    if (this.failure) throw this.failure;
    if (data.length > this.maxDatagramSize)
      throw kernelError('EMSGSIZE', 'sendto', 'the datagram is larger than VMCI allows');
    if (this.wire.socket.writableNeedDrain) return false;
    this.wire.sendFrame(
      Frame.datagram,
      encodeDatagram({ data: Buffer.from(data), address: to, truncated: false }),
    );
    return true;
  }

  receive(): ReceivedDatagram | null {
    const datagram = this.queue.shift();
    if (!datagram) {
      if (this.failure) throw this.failure;
      return null;
    }
    const ack = Buffer.allocUnsafe(4);
    ack.writeUInt32BE(datagram.data.length, 0);
    if (!this.wire.socket.destroyed) this.wire.sendFrame(Frame.ack, ack);
    return datagram;
  }

  wait(interest: 'readable' | 'writable', callback: () => void): void {
    if (this.closed) return;
    const guarded = () => {
      if (!this.closed) callback();
    };
    const socket = this.wire.socket;
    if (interest === 'readable') {
      if (this.queue.length > 0 || this.failure) setImmediate(guarded);
      else this.readers.push(guarded);
    } else if (!socket.writableNeedDrain || this.failure) setImmediate(guarded);
    else socket.once('drain', guarded);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (!this.wire.socket.destroyed) {
      this.wire.sendFrame(Frame.close);
      this.wire.socket.end();
    }
    this.onClose();
  }

  setRef(ref: boolean): void {
    if (ref) this.wire.socket.ref();
    else this.wire.socket.unref();
  }
}

/**
 * The {@link Transport} of a process that joins a hypervisor another process serves
 * (`hypervisor.serve`), as the host or as a VM: streams, SEQPACKET and datagrams.
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
      sizeOf(reply.bufferSize),
      this.release,
    );
  }

  private messageChannel(wire: Wire, reply: Record<string, unknown>): RemoteMessageChannel {
    this.open++;
    return new RemoteMessageChannel(
      asAddress(reply.local),
      asAddress(reply.remote),
      wire,
      sizeOf(reply.bufferSize),
      sizeOf(reply.peerBufferSize),
      this.release,
    );
  }

  private readonly release = () => {
    this.open--;
  };

  private connectWire(request: TransportConnectRequest, kind: 'stream' | 'seqpacket') {
    return this.request(
      {
        op: 'connect',
        kind,
        from: this.cid,
        cid: request.cid,
        port: request.port,
        timeout: request.timeout,
        bufferSize: request.bufferSize,
        localPort: request.localPort,
      },
      request.signal,
    );
  }

  async connect(request: TransportConnectRequest): Promise<VsockSocket> {
    const { wire, reply } = await this.connectWire(request, 'stream');
    const options =
      request.allowHalfOpen === undefined ? {} : { allowHalfOpen: request.allowHalfOpen };
    return new ChannelSocket(this.channel(wire, reply), options);
  }

  async connectSeqpacket(request: TransportConnectRequest): Promise<VsockMessageSocket> {
    const { wire, reply } = await this.connectWire(request, 'seqpacket');
    return messageSocketOf(this.messageChannel(wire, reply));
  }

  listen(
    request: TransportListenRequest,
    handlers: { connection(socket: VsockSocket): void; error(error: Error): void },
  ): Promise<TransportListener> {
    const options =
      request.allowHalfOpen === undefined ? {} : { allowHalfOpen: request.allowHalfOpen };
    return this.listenKind('stream', request, handlers, (wire, notice) => {
      return new ChannelSocket(this.channel(wire, notice), options);
    });
  }

  listenSeqpacket(
    request: TransportListenRequest,
    handlers: { connection(socket: VsockMessageSocket): void; error(error: Error): void },
  ): Promise<TransportListener> {
    return this.listenKind('seqpacket', request, handlers, (wire, notice) =>
      messageSocketOf(this.messageChannel(wire, notice)),
    );
  }

  private async listenKind<S extends { destroy(): unknown }>(
    kind: 'stream' | 'seqpacket',
    request: TransportListenRequest,
    handlers: { connection(socket: S): void; error(error: Error): void },
    make: (wire: Wire, notice: Record<string, unknown>) => S,
  ): Promise<TransportListener> {
    const { wire, reply } = await this.request({
      op: 'listen',
      kind,
      from: this.cid,
      cid: request.cid,
      port: request.port,
      bufferSize: request.bufferSize,
    });
    const address = asAddress(reply.address);
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
          const socket = make(attached.wire, notice);
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

  /** A datagram socket bound in the owning process (its queue and drops are there). */
  async bindDatagram(request: VsockAddress): Promise<BoundDatagramSocket> {
    return datagramSocketOf(await this.bindDatagramChannel(request));
  }

  /** The datagram channel below {@link bindDatagram} (for tests that read as a queue fills). */
  async bindDatagramChannel(request: VsockAddress): Promise<DatagramChannel> {
    const { wire, reply } = await this.request({
      op: 'bind-dgram',
      from: this.cid,
      cid: request.cid,
      port: request.port,
    });
    this.open++;
    return new RemoteDatagramChannel(
      asAddress(reply.local),
      typeof reply.maxDatagramSize === 'number' ? reply.maxDatagramSize : 65536 - 24,
      wire,
      this.release,
    );
  }
}
