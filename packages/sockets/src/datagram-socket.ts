/**
 * vsock datagrams for users, shaped like `dgram.Socket`: `bind()`, `send(data, cid, port)`,
 * `'message'` with the sender's address.
 */
import { EventEmitter } from 'node:events';
import { VmciError } from '@vmci/ffi';
import { CID_ANY, type CidName, resolveCid, resolvePort, type VsockAddress } from './address.js';
import { listenPortOf } from './arguments.js';
import type { DatagramChannel } from './datagram-channel.js';
import { defaultTransport } from './default-transport.js';
import { requireCapability, type Transport } from './transport.js';

/** The events of a {@link VsockDatagramSocket}, as `dgram.Socket`'s. */
export interface DatagramSocketEvents {
  message: [data: Buffer, from: VsockAddress];
  listening: [];
  close: [];
  error: [error: Error];
}

interface QueuedDatagram {
  readonly data: Buffer;
  readonly to: VsockAddress;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/** The events of a {@link BoundDatagramSocket}. */
export interface BoundDatagramSocketEvents {
  message: [data: Buffer, from: VsockAddress];
  close: [];
  error: [error: Error];
}

/**
 * A bound datagram socket over a transport's {@link DatagramChannel}: what
 * `Transport.bindDatagram` hands out (build one with `datagramSocketOf(channel)` from
 * `@vmci/sockets/transport`). `send()` queues in order and resolves once the channel took the
 * datagram; `'message'` delivers each one received with its sender (receiving starts with the
 * first `'message'` listener). {@link VsockDatagramSocket}
 * (`createDatagramSocket()`) gives it `dgram`'s shape: bind on demand, `'listening'`.
 */
export class BoundDatagramSocket extends EventEmitter<BoundDatagramSocketEvents> {
  private readonly channel: DatagramChannel;
  private readonly queue: QueuedDatagram[] = [];
  private waitingWritable = false;
  private waitingReadable = false;
  private receiving = false;
  private closed = false;

  constructor(channel: DatagramChannel) {
    super();
    this.channel = channel;
    // Receive once someone listens for 'message' (after that listener is added): until then,
    // datagrams wait in the channel rather than being emitted to nobody.
    (this as EventEmitter).on('newListener', (event: string | symbol) => {
      if (event !== 'message' || this.receiving) return;
      this.receiving = true;
      queueMicrotask(() => this.pump());
    });
  }

  /** The bound `{ cid, port }`. */
  address(): VsockAddress {
    return { ...this.channel.local };
  }

  /** The largest payload one datagram carries. */
  get maxDatagramSize(): number {
    return this.channel.maxDatagramSize;
  }

  /**
   * Sends one datagram to `to`; resolves once the transport took it. Rejects with
   * `ERR_VMCI_MESSAGE_TOO_LARGE` above {@link maxDatagramSize}, `ERR_VMCI_SOCKET_CLOSED` once
   * closed, or the transport's error.
   */
  send(data: Buffer, to: VsockAddress): Promise<void> {
    if (this.closed)
      return Promise.reject(
        new VmciError('ERR_VMCI_SOCKET_CLOSED', 'the datagram socket is closed'),
      );
    if (data.length > this.channel.maxDatagramSize) {
      return Promise.reject(
        new VmciError(
          'ERR_VMCI_MESSAGE_TOO_LARGE',
          `a ${data.length}-byte datagram exceeds the ${this.channel.maxDatagramSize}-byte limit: split it`,
        ),
      );
    }
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ data, to, resolve, reject });
      this.flush();
    });
  }

  private flush() {
    const channel = this.channel;
    while (this.queue.length > 0 && !this.closed) {
      const next = this.queue[0] as QueuedDatagram;
      let sent: boolean;
      try {
        sent = channel.send(next.data, next.to);
      } catch (error) {
        this.queue.shift();
        next.reject(error as Error);
        continue;
      }
      if (!sent) {
        if (!this.waitingWritable) {
          this.waitingWritable = true;
          channel.wait('writable', () => {
            this.waitingWritable = false;
            this.flush();
          });
        }
        return;
      }
      this.queue.shift();
      next.resolve();
    }
  }

  private pump() {
    const channel = this.channel;
    while (!this.closed) {
      let datagram: ReturnType<DatagramChannel['receive']>;
      try {
        datagram = channel.receive();
      } catch (error) {
        this.emit('error', error as Error);
        return;
      }
      if (!datagram) {
        if (!this.waitingReadable) {
          this.waitingReadable = true;
          channel.wait('readable', () => {
            this.waitingReadable = false;
            this.pump();
          });
        }
        return;
      }
      if (datagram.truncated) {
        this.emit(
          'error',
          new VmciError(
            'ERR_VMCI_MESSAGE_TRUNCATED',
            `a datagram from ${datagram.from.cid}:${datagram.from.port} was truncated to ${datagram.data.length} bytes`,
          ),
        );
        continue;
      }
      this.emit('message', datagram.data, datagram.from);
    }
  }

  /** Closes the channel; queued sends reject with `ERR_VMCI_SOCKET_CLOSED`. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.channel.close();
    for (const pending of this.queue.splice(0))
      pending.reject(
        new VmciError('ERR_VMCI_SOCKET_CLOSED', 'the datagram socket was closed before sending'),
      );
    queueMicrotask(() => this.emit('close'));
  }

  /** Whether the socket keeps the process alive while it waits. */
  setRef(ref: boolean): void {
    this.channel.setRef(ref);
  }
}

/** A {@link BoundDatagramSocket} over `channel`: for transports (`Transport.bindDatagram`). */
export function datagramSocketOf(channel: DatagramChannel): BoundDatagramSocket {
  return new BoundDatagramSocket(channel);
}

/**
 * A vsock datagram (`SOCK_DGRAM`) socket with `dgram`'s shape: `bind`, `send`, `'message'`,
 * `close`. It binds through its transport on demand and relays the bound socket's events.
 * Datagrams need the VMCI transport on a real kernel; a transport without datagrams throws
 * `ERR_VMCI_UNSUPPORTED` at construction.
 */
export class VsockDatagramSocket extends EventEmitter<DatagramSocketEvents> {
  private readonly transport: Transport & Required<Pick<Transport, 'bindDatagram'>>;
  private bound: BoundDatagramSocket | undefined;
  private binding: Promise<BoundDatagramSocket> | undefined;
  private closed = false;
  private referenced = true;

  constructor(options: { transport?: Transport } = {}) {
    super();
    const transport = options.transport ?? defaultTransport();
    requireCapability(transport, 'bindDatagram');
    this.transport = transport;
  }

  /** Binds (any free port — also for port 0, as `dgram` — and CID_ANY by default) and starts receiving. */
  bind(options: { port?: number; cid?: number | CidName } = {}): Promise<VsockAddress> {
    if (this.binding)
      return Promise.reject(
        new VmciError('ERR_VMCI_INVALID_ARGUMENT', 'the datagram socket is already bound'),
      );
    if (this.closed)
      return Promise.reject(
        new VmciError('ERR_VMCI_SOCKET_CLOSED', 'the datagram socket is closed'),
      );
    let request: VsockAddress;
    try {
      request = {
        cid: resolveCid(options.cid ?? CID_ANY),
        port: listenPortOf(options.port),
      };
    } catch (error) {
      return Promise.reject(error);
    }
    this.binding = this.transport.bindDatagram(request);
    return this.binding.then(
      (bound) => {
        if (this.closed) {
          bound.close();
          throw new VmciError(
            'ERR_VMCI_SOCKET_CLOSED',
            'the datagram socket was closed while binding',
          );
        }
        this.bound = bound;
        if (!this.referenced) bound.setRef(false);
        bound.on('message', (data, from) => this.emit('message', data, from));
        bound.on('error', (error) => this.emit('error', error));
        this.emit('listening');
        return bound.address();
      },
      (error: Error) => {
        this.binding = undefined;
        throw error;
      },
    );
  }

  address(): VsockAddress | null {
    return this.bound ? this.bound.address() : null;
  }

  /** Sends one datagram (binding to PORT_ANY first if needed). */
  async send(data: Buffer | string, cid: number | CidName, port: number): Promise<void> {
    const buffer = typeof data === 'string' ? Buffer.from(data) : data;
    const to = { cid: resolveCid(cid), port: resolvePort(port) };
    if (!this.binding) await this.bind();
    const bound = this.bound ?? (await this.binding);
    if (!bound || this.closed)
      throw new VmciError('ERR_VMCI_SOCKET_CLOSED', 'the datagram socket is closed');
    return bound.send(buffer, to);
  }

  close(callback?: () => void): void {
    if (this.closed) return;
    this.closed = true;
    this.bound?.close();
    if (callback) this.once('close', callback);
    queueMicrotask(() => this.emit('close'));
  }

  ref(): this {
    this.referenced = true;
    this.bound?.setRef(true);
    return this;
  }

  unref(): this {
    this.referenced = false;
    this.bound?.setRef(false);
    return this;
  }
}

/**
 * A new {@link VsockDatagramSocket} on `options.transport` (default: the default transport);
 * `bind()` it, or `send()` binds to any free port first. Throws `ERR_VMCI_UNSUPPORTED` when the
 * transport has no datagrams.
 */
export function createDatagramSocket(options: { transport?: Transport } = {}): VsockDatagramSocket {
  return new VsockDatagramSocket(options);
}
