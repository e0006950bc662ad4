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
import type { Transport } from './transport.js';

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

/**
 * A vsock datagram (`SOCK_DGRAM`) socket with `dgram`'s shape: `bind`, `send`, `'message'`,
 * `close`. Datagrams need the VMCI transport on a real kernel.
 */
export class VsockDatagramSocket extends EventEmitter<DatagramSocketEvents> {
  private readonly transport: Transport;
  private channel: DatagramChannel | undefined;
  private binding: Promise<DatagramChannel> | undefined;
  private readonly queue: QueuedDatagram[] = [];
  private waitingWritable = false;
  private waitingReadable = false;
  private closed = false;

  constructor(options: { transport?: Transport } = {}) {
    super();
    this.transport = options.transport ?? defaultTransport();
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
      (channel) => {
        if (this.closed) {
          channel.close();
          throw new VmciError(
            'ERR_VMCI_SOCKET_CLOSED',
            'the datagram socket was closed while binding',
          );
        }
        this.channel = channel;
        this.emit('listening');
        this.pump();
        this.flush();
        return { ...channel.local };
      },
      (error: Error) => {
        this.binding = undefined;
        throw error;
      },
    );
  }

  address(): VsockAddress | null {
    return this.channel ? { ...this.channel.local } : null;
  }

  /** Sends one datagram (binding to PORT_ANY first if needed). */
  async send(data: Buffer | string, cid: number | CidName, port: number): Promise<void> {
    const buffer = typeof data === 'string' ? Buffer.from(data) : data;
    const to = { cid: resolveCid(cid), port: resolvePort(port) };
    if (!this.binding) await this.bind();
    const channel = this.channel ?? (await this.binding);
    if (!channel || this.closed)
      throw new VmciError('ERR_VMCI_SOCKET_CLOSED', 'the datagram socket is closed');
    if (buffer.length > channel.maxDatagramSize) {
      throw new VmciError(
        'ERR_VMCI_MESSAGE_TOO_LARGE',
        `a ${buffer.length}-byte datagram exceeds the ${channel.maxDatagramSize}-byte limit: split it`,
      );
    }
    await new Promise<void>((resolve, reject) => {
      this.queue.push({ data: buffer, to, resolve, reject });
      this.flush();
    });
  }

  private flush() {
    const channel = this.channel;
    if (!channel) return;
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
    while (channel && !this.closed) {
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

  close(callback?: () => void): void {
    if (this.closed) return;
    this.closed = true;
    this.channel?.close();
    for (const pending of this.queue.splice(0))
      pending.reject(
        new VmciError('ERR_VMCI_SOCKET_CLOSED', 'the datagram socket was closed before sending'),
      );
    if (callback) this.once('close', callback);
    queueMicrotask(() => this.emit('close'));
  }

  ref(): this {
    this.channel?.setRef(true);
    return this;
  }

  unref(): this {
    this.channel?.setRef(false);
    return this;
  }
}

/**
 * A new {@link VsockDatagramSocket} on `options.transport` (default: the default transport);
 * `bind()` it, or `send()` binds to any free port first.
 */
export function createDatagramSocket(options: { transport?: Transport } = {}): VsockDatagramSocket {
  return new VsockDatagramSocket(options);
}
