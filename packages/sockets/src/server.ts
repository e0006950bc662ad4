/**
 * `createServer()`: a `net.Server`-like listener for vsock streams over any transport.
 */
import { EventEmitter } from 'node:events';
import { VmciError } from '@vmci/ffi';
import type { CidName, VsockAddress } from './address.js';
import { checkBufferSize, normalizeListenArgs } from './arguments.js';
import { defaultTransport } from './default-transport.js';
import {
  requireCapability,
  type Transport,
  type TransportFdListenRequest,
  type TransportListener,
  type TransportListenHandlers,
  type TransportListenRequest,
  type VsockSocket,
} from './transport.js';

/** Options of a {@link VsockServer}: its transport and the settings of the sockets it accepts. */
export interface ServerOptions {
  readonly allowHalfOpen?: boolean;
  /** Stream buffer size (bytes) accepted connections start with. */
  readonly bufferSize?: number;
  /** Where to listen (default: the kernel). */
  readonly transport?: Transport;
}

/** Where and how a {@link VsockServer} listens. */
export interface ListenOptions {
  /**
   * Port to listen on. 0, PORT_ANY or none (the default) lets the transport pick a free one (see
   * `address()`), as port 0 does for `net`.
   */
  readonly port?: number | null;
  /** CID to bind: CID_ANY (default) or this VM's own CID. */
  readonly cid?: number | CidName;
  readonly backlog?: number;
  /** Closes the server when it aborts (as `net.Server#listen`'s `signal`). */
  readonly signal?: AbortSignal;
  /**
   * Serve a listening socket that is already open — from systemd socket activation (see
   * `systemdListenFds()`) or inherited — instead of binding one; `port` and `cid` are ignored.
   * The server owns it from then on: `close()` closes it. Needs a transport with descriptors
   * (the kernel's); others emit `'error'` with `ERR_VMCI_UNSUPPORTED`.
   */
  readonly fd?: number;
}

/** What a server needs of the sockets it serves (stream or message sockets). */
export interface ServedSocket {
  readonly remoteCid: number | undefined;
  readonly remotePort: number | undefined;
  once(event: 'close', listener: () => void): unknown;
  destroy(): unknown;
}

export interface VsockServerEvents<S extends ServedSocket = VsockSocket> {
  connection: [socket: S];
  listening: [];
  close: [];
  error: [error: Error];
  drop: [info: { remoteCid: number | undefined; remotePort: number | undefined }];
}

/**
 * A vsock server with `net.Server`'s shape: `listen`, `address`, `close`, `getConnections`,
 * `maxConnections`, and `'connection'` / `'listening'` / `'close'` / `'error'` / `'drop'`.
 */
export class VsockServer<S extends ServedSocket = VsockSocket> extends EventEmitter<
  VsockServerEvents<S>
> {
  protected readonly transport: Transport;
  private readonly allowHalfOpen: boolean | undefined;
  private readonly bufferSize: number | undefined;
  private listener: TransportListener | undefined;
  private starting = false;
  private closing = false;
  private referenced = true;
  private readonly connections = new Set<S>();
  /** Refuse (destroy) connections beyond this many open ones, like `net.Server#maxConnections`. */
  maxConnections = Number.POSITIVE_INFINITY;

  constructor(options: ServerOptions = {}, onConnection?: (socket: S) => void) {
    super();
    this.transport = options.transport ?? defaultTransport();
    this.allowHalfOpen = options.allowHalfOpen;
    this.bufferSize =
      options.bufferSize === undefined ? undefined : checkBufferSize(options.bufferSize);
    if (onConnection) (this as VsockServer<S>).on('connection', onConnection as never);
  }

  /** Binds through the transport; the seqpacket server overrides this. */
  protected startListener(
    request: TransportListenRequest,
    handlers: TransportListenHandlers<S>,
  ): Promise<TransportListener> {
    return this.transport.listen(
      request,
      handlers as unknown as TransportListenHandlers<VsockSocket>,
    );
  }

  /**
   * Serves an open descriptor through the transport (rejects with `ERR_VMCI_UNSUPPORTED` when it
   * has none to serve); the seqpacket server overrides this.
   */
  protected async startFdListener(
    request: TransportFdListenRequest,
    handlers: TransportListenHandlers<S>,
  ): Promise<TransportListener> {
    const { transport } = this;
    requireCapability(transport, 'listenFd');
    return transport.listenFd(request, handlers as unknown as TransportListenHandlers<VsockSocket>);
  }

  get listening(): boolean {
    return this.listener !== undefined;
  }

  /**
   * Starts listening; `'listening'` (and `callback`) follow, or `'error'` for what the transport
   * refuses (EADDRINUSE, EACCES, …). Takes every form `net.Server#listen` takes for ports:
   * `listen()`, `listen(port[, cid[, backlog]][, callback])`, `listen(options[, callback])`.
   * Port 0 (or none) means any free port: read it from `address()`. Bad arguments, paths and
   * `net` handles throw at the call (typed errors), as in `net`.
   */
  listen(callback?: () => void): this;
  listen(port: number | string | null | undefined, callback?: () => void): this;
  listen(
    port: number | string | null | undefined,
    cid: number | CidName | null | undefined,
    callback?: () => void,
  ): this;
  listen(
    port: number | string | null | undefined,
    cid: number | CidName | null | undefined,
    backlog: number | undefined,
    callback?: () => void,
  ): this;
  listen(options: ListenOptions, callback?: () => void): this;
  listen(...args: unknown[]): this {
    if (this.listener || this.starting) {
      throw new VmciError(
        'ERR_SERVER_ALREADY_LISTEN',
        'the server is already listening: close() it first',
      );
    }
    const { options, callback } = normalizeListenArgs(args);
    const { signal } = options;
    if (signal?.aborted) return this;
    if (callback) this.once('listening', callback);
    if (signal) {
      const onAbort = () => {
        if (this.listener || this.starting) this.close();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.once('close', () => signal.removeEventListener('abort', onAbort));
    }
    this.starting = true;
    this.closing = false;
    const settings = {
      ...(this.allowHalfOpen !== undefined ? { allowHalfOpen: this.allowHalfOpen } : {}),
      ...(this.bufferSize !== undefined ? { bufferSize: this.bufferSize } : {}),
    };
    const handlers: TransportListenHandlers<S> = {
      connection: (socket) => this.accept(socket),
      error: (error) => this.emit('error', error),
    };
    const started =
      options.fd !== undefined
        ? this.startFdListener({ fd: options.fd, ...settings }, handlers)
        : this.startListener(
            {
              cid: options.cid,
              port: options.port,
              ...(options.backlog !== undefined ? { backlog: options.backlog } : {}),
              ...settings,
            },
            handlers,
          );
    started.then(
      (listener) => {
        this.starting = false;
        if (this.closing) {
          listener.close();
          this.maybeEmitClose();
          return;
        }
        this.listener = listener;
        if (!this.referenced) listener.unref();
        this.emit('listening');
      },
      (error: Error) => {
        this.starting = false;
        this.emit('error', error);
      },
    );
    return this;
  }

  /** Resolves once listening (rejects with the listen error). */
  listenAsync(options: ListenOptions = {}): Promise<VsockAddress> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      this.once('error', onError);
      try {
        this.listen(options, () => {
          this.off('error', onError);
          resolve(this.address() as VsockAddress);
        });
      } catch (error) {
        this.off('error', onError);
        reject(error);
      }
    });
  }

  private accept(socket: S) {
    if (this.connections.size >= this.maxConnections) {
      this.emit('drop', { remoteCid: socket.remoteCid, remotePort: socket.remotePort });
      socket.destroy();
      return;
    }
    this.connections.add(socket);
    socket.once('close', () => {
      this.connections.delete(socket);
      this.maybeEmitClose();
    });
    this.emit('connection', socket);
  }

  /** The bound `{ cid, port }`, or null before `'listening'`. */
  address(): VsockAddress | null {
    return this.listener ? this.listener.address() : null;
  }

  /**
   * Stops accepting. Open connections stay; `'close'` (and `callback`) come once they have all
   * closed — as `net.Server#close`.
   */
  close(callback?: (error?: Error) => void): this {
    if (!this.listener && !this.starting) {
      const error = new VmciError(
        'ERR_SERVER_NOT_RUNNING',
        'the server is not running: listen() first (or it was closed already)',
      );
      if (callback) queueMicrotask(() => callback(error));
      return this;
    }
    if (callback) this.once('close', () => callback());
    this.closing = true;
    const unbound = this.listener?.close();
    this.listener = undefined;
    if (unbound) {
      this.unbinding = true;
      void unbound.then(
        () => this.unbound(),
        () => this.unbound(),
      );
    }
    this.maybeEmitClose();
    return this;
  }

  /** The transport finished unbinding (transports whose `close()` returns a promise). */
  private unbinding = false;
  private unbound() {
    this.unbinding = false;
    this.maybeEmitClose();
  }

  private maybeEmitClose() {
    if (
      this.closing &&
      !this.listener &&
      !this.starting &&
      !this.unbinding &&
      this.connections.size === 0
    ) {
      this.closing = false;
      queueMicrotask(() => this.emit('close'));
    }
  }

  getConnections(callback: (error: Error | null, count: number) => void): this {
    const count = this.connections.size;
    queueMicrotask(() => callback(null, count));
    return this;
  }

  ref(): this {
    this.referenced = true;
    this.listener?.ref();
    return this;
  }

  unref(): this {
    this.referenced = false;
    this.listener?.unref();
    return this;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (!this.listener && !this.starting) return;
    await new Promise<void>((resolve) => this.close(() => resolve()));
  }
}

/**
 * A vsock stream server, as `net.createServer`: `listen({ port })`, `'connection'` with a
 * {@link VsockSocket}.
 */
export function createServer(
  options?: ServerOptions | ((socket: VsockSocket) => void),
  onConnection?: (socket: VsockSocket) => void,
): VsockServer {
  if (typeof options === 'function') return new VsockServer({}, options);
  return new VsockServer(options ?? {}, onConnection);
}
