/**
 * Serving a hypervisor on a Unix socket: other processes join it as the host or as a VM (see
 * `RemoteTransport`). Every connection and listener of a joined process lives here, in the owning
 * process, as an ordinary fake socket bridged to the wire — so policies, restarts, faults and the
 * traffic record apply across processes. A joined process that dies (its wire closes without a
 * close frame) has its connections reset at the peers and its ports freed.
 */
import { existsSync } from 'node:fs';
import net from 'node:net';
import { CID_ANY, VmciError, type VsockSocket } from '@vmci/sockets';
import { VsockMessageSocket } from '@vmci/sockets/transport';
import type { Hypervisor } from '../hypervisor.js';
import {
  decodeDatagram,
  decodeMessage,
  encodeDatagram,
  encodeMessage,
  Frame,
  maxFramePayload,
  toWireError,
  Wire,
} from './wire.js';

/** A hypervisor being served (from `hypervisor.serve(path)`). */
export interface HypervisorServer {
  /** The Unix socket path processes join through. */
  readonly path: string;
  /** Joined processes' open wires (connections and listeners). */
  connections(): number;
  /** Stops serving: joined processes' connections and listeners fail (ECONNRESET). */
  close(): Promise<void>;
}

const num = (value: unknown, fallback?: number): number | undefined =>
  typeof value === 'number' ? value : fallback;

export async function serveHypervisor(
  hypervisor: Hypervisor,
  path: string,
): Promise<HypervisorServer> {
  if (existsSync(path))
    throw new VmciError(
      'EADDRINUSE',
      `cannot serve the hypervisor on ${path}: the path exists (another hypervisor, or a stale socket file: remove it)`,
    );
  const wires = new Set<net.Socket>();
  const pending = new Map<number, VsockSocket | VsockMessageSocket>();
  let nextId = 1;

  /** Bridges a fake socket to a wire in frame mode. */
  function bridge(wire: Wire, fake: VsockSocket): void {
    const unix = wire.socket;
    let closedGracefully = false;
    fake.on('data', (chunk: Buffer) => {
      for (let offset = 0; offset < chunk.length; offset += maxFramePayload) {
        if (!wire.sendFrame(Frame.data, chunk.subarray(offset, offset + maxFramePayload))) {
          fake.pause();
          unix.once('drain', () => fake.resume());
        }
      }
    });
    fake.on('end', () => wire.sendFrame(Frame.end));
    fake.on('error', (error) => {
      if (!unix.destroyed)
        wire.sendFrame(Frame.reset, Buffer.from(JSON.stringify(toWireError(error))));
    });
    fake.on('close', () => {
      if (!unix.destroyed) unix.end();
    });
    wire.receiveFrames((type, payload) => {
      if (type === Frame.data) {
        if (!fake.write(payload)) {
          unix.pause();
          fake.once('drain', () => unix.resume());
        }
      } else if (type === Frame.end) fake.end();
      else if (type === Frame.close) {
        closedGracefully = true;
        // Like close(2): what that end wrote is still delivered (writes the fake has queued behind
        // a full pipe too), then the peer reads end of stream.
        if (fake.writableFinished) fake.destroy();
        else {
          fake.once('finish', () => fake.destroy());
          fake.end();
        }
      }
    });
    unix.on('close', () => {
      if (closedGracefully || fake.destroyed) return;
      // The joined process went away without closing: like a VM that died, its peers see a reset.
      hypervisor.resetConnectionOf(fake, 'the process that held this end went away');
      fake.destroy();
    });
    fake.resume();
  }

  /** What a connection's end reports to the joined process: addresses and buffer sizes. */
  function connectionInfo(fake: VsockSocket | VsockMessageSocket) {
    const channel =
      fake instanceof VsockMessageSocket ? hypervisor.messageChannels.get(fake) : undefined;
    return {
      local: fake.address(),
      remote: { cid: fake.remoteCid, port: fake.remotePort },
      bufferSize: channel ? channel.maxMessageSize : (fake as VsockSocket).getBufferSize(),
      ...(channel ? { peerBufferSize: channel.peerBufferSize } : {}),
    };
  }

  /**
   * Bridges a fake SEQPACKET socket to a wire. The bridge works on the fake's channel (the socket
   * stays paused), so what crosses is what that end receives — boundaries, end-of-record marks and
   * staged truncations — and backpressure is the channel's.
   */
  function bridgeMessages(wire: Wire, fake: VsockMessageSocket): void {
    const channel = hypervisor.messageChannels.get(fake);
    if (!channel) throw new VmciError('ECONNRESET', 'the message connection is gone');
    fake.pause();
    const unix = wire.socket;
    let closedGracefully = false;
    let stopped = false;
    const stop = (error: unknown) => {
      if (stopped) return;
      stopped = true;
      if (!unix.destroyed)
        wire.sendFrame(Frame.reset, Buffer.from(JSON.stringify(toWireError(error))));
    };
    const forward = (): void => {
      while (!stopped && !unix.destroyed) {
        let message: ReturnType<typeof channel.receive>;
        try {
          message = channel.receive();
        } catch (error) {
          stop(error);
          return;
        }
        if (message === null) {
          channel.wait('readable', forward);
          return;
        }
        if (message.length === 0 && !message.truncated && message.data.length === 0) {
          wire.sendFrame(Frame.end);
          return;
        }
        if (!wire.sendFrame(Frame.message, encodeMessage(message))) {
          unix.once('drain', forward);
          return;
        }
      }
    };
    /**
     * What the joined process sent, in order: messages, then its end or close, which wait for the
     * messages before them (the wire waits while the channel is full).
     */
    const outgoing: ({ data: Buffer; endOfRecord: boolean } | 'end' | 'close')[] = [];
    const deliver = (): void => {
      while (outgoing.length > 0 && !stopped) {
        const next = outgoing[0] as (typeof outgoing)[number];
        if (next === 'close') {
          fake.destroy();
          return;
        }
        if (next === 'end') {
          try {
            channel.shutdownWrite();
          } catch {}
          outgoing.shift();
          continue;
        }
        let sent: boolean | Promise<void>;
        try {
          sent = channel.send(next.data, next.endOfRecord);
        } catch (error) {
          stop(error);
          return;
        }
        if (sent !== true) {
          unix.pause();
          channel.wait('writable', deliver);
          return;
        }
        outgoing.shift();
      }
      if (unix.isPaused()) unix.resume();
    };
    const enqueue = (item: (typeof outgoing)[number]) => {
      outgoing.push(item);
      if (outgoing.length === 1) deliver();
    };
    wire.receiveFrames((type, payload) => {
      if (type === Frame.message) {
        const message = decodeMessage(payload);
        enqueue({ data: message.data, endOfRecord: message.endOfRecord });
      } else if (type === Frame.end) enqueue('end');
      else if (type === Frame.close) {
        closedGracefully = true;
        enqueue('close');
      }
    });
    fake.on('error', () => {});
    fake.on('close', () => {
      if (!unix.destroyed) unix.end();
    });
    unix.on('close', () => {
      if (closedGracefully || fake.destroyed) return;
      hypervisor.resetConnectionOf(fake, 'the process that held this end went away');
      fake.destroy();
    });
    forward();
  }

  /** A datagram socket of a joined process: bound here, its queue (and its drops) here too. */
  async function onBindDatagram(wire: Wire, request: Record<string, unknown>): Promise<void> {
    const endpoint = hypervisor.endpoint(num(request.from, -1) as number);
    if (!endpoint) throw new VmciError('ENODEV', `no VM has CID ${String(request.from)}`);
    const channel = endpoint.transport.bindDatagramChannel({
      cid: num(request.cid, CID_ANY) as number,
      port: num(request.port, 0) as number,
    });
    const unix = wire.socket;
    if (unix.destroyed) {
      channel.close();
      return;
    }
    wire.sendLine({ ok: true, local: channel.local, maxDatagramSize: channel.maxDatagramSize });
    const inbox = channel.inbox;
    let closed = false;
    // A datagram handed to the joined process still counts against the queue until it says it
    // has read it (an ack): the queue fills, and VMCI's drops happen, as in-process.
    const forward = (): void => {
      if (closed) return;
      for (let item = inbox.items.shift(); item; item = inbox.items.shift())
        wire.sendFrame(
          Frame.datagram,
          encodeDatagram({ data: item.data, address: item.from, truncated: item.truncated }),
        );
      inbox.wait('readable', forward);
    };
    const close = () => {
      if (closed) return;
      closed = true;
      channel.close();
    };
    wire.receiveFrames((type, payload) => {
      if (type === Frame.datagram) {
        const datagram = decodeDatagram(payload);
        try {
          channel.send(datagram.data, datagram.address);
        } catch {
          // Refused before it crossed (the joined process checks the size): nothing to deliver.
        }
      } else if (type === Frame.ack) inbox.took(payload.readUInt32BE(0));
      else if (type === Frame.close) {
        close();
        unix.end();
      }
    });
    unix.on('close', close);
    forward();
  }

  async function onConnect(wire: Wire, request: Record<string, unknown>): Promise<void> {
    const endpoint = hypervisor.endpoint(num(request.from, -1) as number);
    if (!endpoint) throw new VmciError('ENODEV', `no VM has CID ${String(request.from)}`);
    const controller = new AbortController();
    const onClose = () => controller.abort(new Error('the joined process went away'));
    wire.socket.once('close', onClose);
    const timeout = num(request.timeout);
    const bufferSize = num(request.bufferSize);
    const localPort = num(request.localPort);
    const connectRequest = {
      cid: num(request.cid, 0) as number,
      port: num(request.port, 0) as number,
      allowHalfOpen: true,
      signal: controller.signal,
      ...(timeout !== undefined ? { timeout } : {}),
      ...(bufferSize !== undefined ? { bufferSize } : {}),
      ...(localPort !== undefined ? { localPort } : {}),
    };
    const fake =
      request.kind === 'seqpacket'
        ? await endpoint.transport.connectSeqpacket(connectRequest)
        : await endpoint.transport.connect(connectRequest);
    wire.socket.off('close', onClose);
    if (wire.socket.destroyed) {
      fake.destroy();
      return;
    }
    wire.sendLine({ ok: true, ...connectionInfo(fake) });
    if (fake instanceof VsockMessageSocket) bridgeMessages(wire, fake);
    else bridge(wire, fake);
  }

  async function onListen(wire: Wire, request: Record<string, unknown>): Promise<void> {
    const endpoint = hypervisor.endpoint(num(request.from, -1) as number);
    if (!endpoint) throw new VmciError('ENODEV', `no VM has CID ${String(request.from)}`);
    const bufferSize = num(request.bufferSize);
    const mine = new Set<number>();
    const listenRequest = {
      cid: num(request.cid, CID_ANY) as number,
      port: num(request.port, 0) as number,
      allowHalfOpen: true,
      ...(bufferSize !== undefined ? { bufferSize } : {}),
    };
    const handlers = {
      connection: (fake: VsockSocket | VsockMessageSocket) => {
        // Held until the joined process attaches: nothing may be read from it meanwhile.
        if (fake instanceof VsockMessageSocket) fake.pause();
        const id = nextId++;
        pending.set(id, fake);
        mine.add(id);
        fake.on('close', () => {
          pending.delete(id);
          mine.delete(id);
        });
        wire.sendLine({ accept: id, ...connectionInfo(fake) });
      },
      error: () => {},
    };
    const listener =
      request.kind === 'seqpacket'
        ? await endpoint.transport.listenSeqpacket(listenRequest, handlers)
        : await endpoint.transport.listen(listenRequest, handlers);
    // A close request, the control wire closing or the process dying closes the listener and
    // frees the port; connections it had not handed over yet are reset, as the kernel does.
    const unbind = () => {
      listener.close();
      for (const id of mine) {
        const fake = pending.get(id);
        if (fake) hypervisor.resetConnectionOf(fake, 'the listener closed before accepting');
        fake?.destroy();
      }
    };
    wire.onLine = (message) => {
      if (message.op !== 'close') return;
      unbind();
      if (!wire.socket.destroyed) wire.sendLine({ closed: true });
    };
    wire.socket.once('close', unbind);
    if (wire.socket.destroyed) return;
    wire.sendLine({ ok: true, address: listener.address() });
  }

  function onAttach(wire: Wire, request: Record<string, unknown>): void {
    const id = num(request.id, -1) as number;
    const fake = pending.get(id);
    if (!fake) throw new VmciError('ECONNRESET', `accepted connection ${id} is gone`);
    pending.delete(id);
    wire.sendLine({ ok: true });
    if (fake instanceof VsockMessageSocket) bridgeMessages(wire, fake);
    else bridge(wire, fake);
  }

  const server = net.createServer((socket) => {
    wires.add(socket);
    socket.on('close', () => wires.delete(socket));
    socket.on('error', () => {});
    const wire = new Wire(socket);
    wire.onLine = (request) => {
      wire.onLine = () => {};
      // What follows a connect or an attach is frames: hold them until the bridge is set up.
      if (request.op !== 'listen') wire.mode = 'frames';
      const handle =
        request.op === 'connect'
          ? onConnect(wire, request)
          : request.op === 'listen'
            ? onListen(wire, request)
            : request.op === 'attach'
              ? Promise.resolve().then(() => onAttach(wire, request))
              : request.op === 'bind-dgram'
                ? onBindDatagram(wire, request)
                : Promise.reject(
                    new VmciError('ERR_VMCI_UNSUPPORTED', `unknown request ${String(request.op)}`),
                  );
      handle.catch((error: unknown) => {
        if (socket.destroyed) return;
        wire.sendLine({ ok: false, error: toWireError(error) });
        socket.end();
      });
    };
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // Many joined processes may connect at once (1,000 concurrent connects): a deep backlog.
    server.listen({ path, backlog: 4096 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    path,
    connections: () => wires.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of wires) socket.destroy();
        for (const fake of pending.values()) fake.destroy();
        pending.clear();
        server.close(() => resolve());
      }),
  };
}
