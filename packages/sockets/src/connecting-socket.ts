/**
 * The socket `createConnection(options)` returns at once, as `net.connect()` does: `connecting`
 * until the transport has connected, writes buffered until then, `'connect'` when ready, and a
 * failed connect as `'error'`. Afterwards it relays to the transport's socket (one extra stream
 * hop: code that can await should prefer `connect()`, which hands out the transport's own socket).
 */
import { once } from 'node:events';
import { Duplex } from 'node:stream';
import { VmciError } from '@vmci/ffi';
import type { VsockAddress } from './address.js';
import { validateSetTimeout } from './arguments.js';
import { addNetSocketMembers } from './net-socket-stubs.js';
import type { VsockSocket } from './transport.js';

/**
 * The socket {@link createConnection} returns at once, as `net.connect()` does: `connecting`
 * until the transport has connected, writes buffered until then, and then a relay to the
 * transport's socket.
 */
export class ConnectingSocket extends Duplex implements VsockSocket {
  private inner: VsockSocket | undefined;
  private readonly abort = new AbortController();
  private innerEnded = false;
  private referenced = true;
  private idleTimeout: number | undefined;

  /** `open(signal)` connects; it is called at once, and the signal aborts when this is destroyed. */
  constructor(
    open: (signal: AbortSignal) => Promise<VsockSocket>,
    options: { allowHalfOpen?: boolean } = {},
  ) {
    super({ allowHalfOpen: options.allowHalfOpen ?? false, emitClose: true, autoDestroy: true });
    open(this.abort.signal).then(
      (socket) => this.attach(socket),
      (error: Error) => {
        if (!this.destroyed) this.destroy(error);
      },
    );
  }

  private attach(socket: VsockSocket) {
    if (this.destroyed) {
      socket.destroy();
      return;
    }
    this.inner = socket;
    socket.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) socket.pause();
    });
    socket.on('end', () => {
      this.innerEnded = true;
      this.push(null);
    });
    socket.on('timeout', () => this.emit('timeout'));
    socket.on('error', (error) => this.destroy(error));
    // A close without a clean end (a reset already reported, or a local destroy) ends us too.
    socket.on('close', () => {
      if (!this.innerEnded && !this.destroyed) this.destroy();
    });
    if (this.idleTimeout !== undefined) socket.setTimeout(this.idleTimeout);
    if (!this.referenced) socket.unref();
    this.emit('connect');
    this.emit('ready');
    this.flushPending();
  }

  private heldWrite: { chunk: Buffer; callback: (error?: Error | null) => void } | undefined;
  private heldFinal: ((error?: Error | null) => void) | undefined;

  private flushPending() {
    const inner = this.inner as VsockSocket;
    if (this.heldWrite) {
      const { chunk, callback } = this.heldWrite;
      this.heldWrite = undefined;
      inner.write(chunk, (error) => callback(error ?? null));
    }
    if (this.heldFinal) {
      const callback = this.heldFinal;
      this.heldFinal = undefined;
      inner.end(() => callback());
    }
  }

  override _write(
    chunk: Buffer,
    _encoding: BufferEncoding,
    callback: (error?: Error | null) => void,
  ) {
    // Duplex hands us one chunk at a time and buffers the rest: holding this one is enough.
    if (this.inner) this.inner.write(chunk, (error) => callback(error ?? null));
    else this.heldWrite = { chunk, callback };
  }

  override _final(callback: (error?: Error | null) => void) {
    if (this.inner) this.inner.end(() => callback());
    else this.heldFinal = callback;
  }

  override _read() {
    this.inner?.resume();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void) {
    this.abort.abort();
    this.inner?.destroy();
    callback(error);
  }

  get remoteCid() {
    return this.inner?.remoteCid;
  }
  get remotePort() {
    return this.inner?.remotePort;
  }
  get localCid() {
    return this.inner?.localCid;
  }
  get remoteAddress() {
    return this.inner?.remoteAddress;
  }
  get remoteFamily() {
    return this.inner?.remoteFamily;
  }
  // Optional as in net.Socket's types; prototype accessors (a getter cannot be optional).
  declare readonly localPort?: number;
  declare readonly localAddress?: string;
  declare readonly localFamily?: string;
  static {
    Object.defineProperties(ConnectingSocket.prototype, {
      localPort: {
        get(this: ConnectingSocket) {
          return this.inner?.localPort;
        },
        configurable: true,
      },
      localAddress: {
        get(this: ConnectingSocket) {
          return this.inner?.localAddress;
        },
        configurable: true,
      },
      localFamily: {
        get(this: ConnectingSocket) {
          return this.inner?.localFamily;
        },
        configurable: true,
      },
    });
  }
  /** `'close'` carries `hadError`, as net.Socket's does. */
  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'close' && args.length === 0) return super.emit('close', this.errored !== null);
    return super.emit(event, ...args);
  }
  address(): VsockAddress | Record<string, never> {
    return this.inner?.address() ?? {};
  }
  /** net.Socket members for the types (see `addNetSocketMembers`): `connect` throws. */
  declare connect: (...args: unknown[]) => never;
  declare readonly autoSelectFamilyAttemptedAddresses: string[];
  declare readonly bufferSize: number;
  get bytesRead(): number {
    return this.inner?.bytesRead ?? 0;
  }
  get bytesWritten(): number {
    return this.inner?.bytesWritten ?? 0;
  }
  get connecting(): boolean {
    return this.inner === undefined && !this.destroyed;
  }
  get pending(): boolean {
    return this.connecting;
  }
  get readyState(): VsockSocket['readyState'] {
    if (this.connecting) return 'opening';
    if (this.destroyed) return 'closed';
    if (this.readable && this.writable) return 'open';
    if (this.readable) return 'readOnly';
    if (this.writable) return 'writeOnly';
    return 'closed';
  }
  setTimeout(timeout: number, callback?: () => void): this {
    this.idleTimeout = validateSetTimeout(timeout, callback);
    this.inner?.setTimeout(timeout);
    if (callback) this.once('timeout', callback);
    return this;
  }
  setNoDelay(): this {
    return this;
  }
  setKeepAlive(): this {
    return this;
  }
  ref(): this {
    this.referenced = true;
    this.inner?.ref();
    return this;
  }
  /** Applies once connected: a pending connect keeps the process alive until it settles. */
  unref(): this {
    this.referenced = false;
    this.inner?.unref();
    return this;
  }
  destroySoon(): void {
    this.end();
  }
  resetAndDestroy(): this {
    this.abort.abort();
    if (this.inner) this.inner.resetAndDestroy();
    this.destroy();
    return this;
  }
  /** Waits for the connection first, then as {@link VsockSocket.flushed}. */
  async flushed(options: { signal?: AbortSignal } = {}): Promise<void> {
    if (!this.inner) await once(this, 'connect', options.signal ? { signal: options.signal } : {});
    await (this.inner as VsockSocket).flushed(options);
  }
  getBufferSize(): number {
    if (!this.inner)
      throw new VmciError(
        'ERR_VMCI_NOT_CONNECTED',
        "the socket is still connecting: read the buffer size after 'connect'",
      );
    return this.inner.getBufferSize();
  }
}
addNetSocketMembers(ConnectingSocket.prototype);
