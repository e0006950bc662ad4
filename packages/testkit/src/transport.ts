/**
 * One endpoint's Transport: what `@vmci/sockets` calls for `{ transport: vm.transport }`.
 */
import {
  type BoundDatagramSocket,
  CID_ANY,
  PORT_ANY,
  type Transport,
  type TransportConnectRequest,
  type TransportListener,
  type TransportListenRequest,
  type VsockAddress,
  type VsockMessageSocket,
  type VsockSocket,
  wellKnownCids,
} from '@vmci/sockets';
import { ChannelSocket, datagramSocketOf, messageSocketOf } from '@vmci/sockets/transport';
import {
  FakeDatagramChannel,
  type FakeMessage,
  FakeMessageChannel,
  FakeStreamChannel,
} from './channels.js';
import { kernelError } from './errors.js';
import type { Endpoint, LiveConnection } from './hypervisor.js';
import { Pipe } from './pipes.js';
import { portKey } from './ports.js';

const defaultBufferSize = 262144;
const defaultConnectTimeout = 2000;
/** VMCI queues a few datagrams per socket before it drops: model 16 full-size ones. */
const datagramQueueBytes = 16 * 65536;

type Kind = 'stream' | 'seqpacket';

interface FakeListener {
  readonly kind: Kind;
  readonly port: number;
  readonly bufferSize: number;
  readonly allowHalfOpen: boolean | undefined;
  readonly connection: (socket: VsockSocket | VsockMessageSocket) => void;
  close(): void;
}

/** The {@link Transport} of one endpoint (host or VM) of a testkit hypervisor. */
export class FakeTransport implements Transport {
  readonly name: string;

  constructor(private readonly endpoint: Endpoint) {
    this.name = `fake/${endpoint.name}`;
  }

  localCid(): number {
    return this.endpoint.cid;
  }

  private requireVmci(syscall: string) {
    const { endpoint } = this;
    if (!endpoint.poweredOn)
      throw kernelError('ENODEV', syscall, `${endpoint.name} is powered off`);
    if (!endpoint.vmci)
      throw kernelError(
        'ENODEV',
        syscall,
        `VMCI is not enabled on ${endpoint.name}: enable it (and restart the VM) to use vsock`,
      );
  }

  private bindPort(kind: string, request: VsockAddress, syscall: string): number {
    const { endpoint } = this;
    if (
      request.cid !== CID_ANY &&
      request.cid !== endpoint.cid &&
      request.cid !== wellKnownCids.local
    ) {
      throw kernelError(
        'EADDRNOTAVAIL',
        syscall,
        `that CID is not this VM's (${endpoint.name} is CID ${endpoint.cid})`,
        request,
      );
    }
    const port = request.port === PORT_ANY ? endpoint.ephemeralPort(kind) : request.port;
    if (port < 1024 && !endpoint.privileged) {
      throw kernelError(
        'EACCES',
        syscall,
        'ports below 1024 need CAP_NET_BIND_SERVICE (run as root or grant the capability)',
        request,
      );
    }
    if (endpoint.ports.has(portKey(kind, port))) {
      throw kernelError(
        'EADDRINUSE',
        syscall,
        'another socket is bound to that port: pick another port, or PORT_ANY',
        { cid: request.cid, port },
      );
    }
    return port;
  }

  /** Where a connect goes, or the error it gets (after the connect timeout for unreachable CIDs). */
  private async route(
    kind: Kind,
    request: TransportConnectRequest,
  ): Promise<{ target: Endpoint; listener: FakeListener }> {
    this.requireVmci('connect');
    const hypervisor = this.endpoint.hypervisor;
    const address = { cid: request.cid, port: request.port };
    const target =
      request.cid === wellKnownCids.local || request.cid === this.endpoint.cid
        ? this.endpoint
        : hypervisor.endpoint(request.cid);
    if (!target?.poweredOn || !target.vmci) {
      await this.timeout(request);
      throw kernelError(
        'ETIMEDOUT',
        'connect',
        'the peer VM did not answer within the connect timeout: check that the CID is running and reachable, or raise the connect timeout',
        address,
      );
    }
    const refusal = hypervisor.policy(this.endpoint, target);
    if (refusal) throw kernelError('ECONNRESET', 'connect', refusal, address);
    hypervisor.noteTraffic(this.endpoint, target);
    hypervisor.resources.record(
      `connect ${kind} ${this.endpoint.cid} → ${request.cid}:${request.port}`,
    );
    const fault = hypervisor.faults.decide(this.endpoint.cid, target.cid);
    if (fault === 'timeout') {
      await this.timeout(request);
      throw kernelError(
        'ETIMEDOUT',
        'connect',
        'the peer VM did not answer within the connect timeout (staged by the testkit)',
        address,
      );
    }
    if (hypervisor.faults.backlogFull(target.cid, request.port))
      throw kernelError(
        'ECONNRESET',
        'connect',
        "the listener's accept queue is full (its backlog; staged by the testkit): the server is not accepting fast enough",
        address,
      );
    if (fault === 'refuse')
      throw kernelError(
        'ECONNRESET',
        'connect',
        'the connection was refused (staged by the testkit)',
        address,
      );
    await new Promise((resolve) => setImmediate(resolve));
    request.signal?.throwIfAborted();
    const listener = target.ports.get(portKey(kind, request.port)) as FakeListener | undefined;
    if (!listener || listener.kind !== kind) {
      throw kernelError(
        'ECONNRESET',
        'connect',
        'nothing listens on that port of that CID: start the server first, or check the port',
        address,
      );
    }
    return { target, listener };
  }

  private timeout(request: TransportConnectRequest): Promise<void> {
    const ms = request.timeout ?? defaultConnectTimeout;
    const clock = this.endpoint.hypervisor.clock;
    return new Promise((resolve, reject) => {
      const timer = clock.setTimer(ms, () => {
        request.signal?.removeEventListener('abort', onAbort);
        resolve();
      });
      const onAbort = () => {
        clock.clearTimer(timer);
        reject(request.signal?.reason);
      };
      if (request.signal?.aborted) onAbort();
      else request.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Sets up both ends of a connection and hands the server's to the listener. */
  private pair<T extends VsockSocket | VsockMessageSocket>(
    kind: Kind,
    request: TransportConnectRequest,
    target: Endpoint,
    listener: FakeListener,
    /**
     * The client's socket, and how to make the server's. The server's socket is made when the
     * listener takes the connection, not before: a message socket delivers what arrives from the
     * moment it exists, and nobody could listen for it yet during a delayed accept.
     */
    make: (ends: ConnectionEnds) => [T, () => VsockSocket | VsockMessageSocket],
  ): T {
    const client = this.endpoint;
    const clientPort =
      request.localPort === undefined
        ? client.ephemeralPort(kind)
        : this.bindPort(kind, { cid: CID_ANY, port: request.localPort }, 'bind');
    const serverPort = listener.port;
    const clientBuffer = request.bufferSize ?? defaultBufferSize;
    const counter = client.hypervisor.resources;
    // Like the kernel, bytes in flight are capped by the smaller of the two ends' buffers (the
    // credit the receiver grants and what the sender may queue): the sender blocks beyond it.
    const inFlight = Math.min(clientBuffer, listener.bufferSize);
    const toServer = new Pipe<never>(inFlight, listener.bufferSize);
    const toClient = new Pipe<never>(inFlight, clientBuffer);
    const shape = client.hypervisor.faults.linkFor(client.cid, target.cid);
    for (const pipe of [toServer, toClient]) {
      pipe.clock = client.hypervisor.clock;
      pipe.latencyMs = shape.latencyMs ?? 0;
      pipe.bytesPerSecond = shape.bytesPerSecond ?? 0;
    }
    const clientKey = portKey(kind, clientPort);
    client.ports.set(clientKey, { close: () => {} });
    const live: LiveConnection = {
      between: [client.cid, target.cid] as const,
      stall: (towardCid, stalled) => {
        if (towardCid === undefined || towardCid === target.cid) toServer.stall(stalled);
        if (towardCid === undefined || towardCid === client.cid) toClient.stall(stalled);
      },
      reset: (reason: string) => {
        counter.record(`reset  ${client.cid} ↔ ${target.cid}: ${reason}`);
        const error = kernelError('ECONNRESET', 'recv', `connection reset: ${reason}`);
        toServer.fail(error);
        toClient.fail(error);
      },
    };
    client.connections.add(live);
    target.connections.add(live);
    let open = 2;
    const release = () => {
      if (--open > 0) return;
      client.connections.delete(live);
      target.connections.delete(live);
      if (client.ports.get(clientKey)) client.ports.delete(clientKey);
    };
    const [clientSocket, makeServerSocket] = make({
      // The kernel's getsockname() says VMADDR_CID_ANY for a client; the sockets report the real
      // local CID (as the kernel transport does with the local-CID ioctl).
      client: {
        local: { cid: client.cid, port: clientPort },
        remote: { cid: request.cid, port: serverPort },
      },
      server: {
        local: { cid: target.cid, port: serverPort },
        remote: { cid: client.cid, port: clientPort },
      },
      toServer,
      toClient,
      counter,
      release,
    });
    client.hypervisor.liveConnections.set(clientSocket as object, live);
    client.hypervisor.outgoingPipes.set(clientSocket as object, toServer);
    const accept = () => {
      const serverSocket = makeServerSocket();
      client.hypervisor.liveConnections.set(serverSocket, live);
      client.hypervisor.outgoingPipes.set(serverSocket, toClient);
      listener.connection(serverSocket);
    };
    const delay = client.hypervisor.faults.acceptDelayMs;
    if (delay > 0) client.hypervisor.clock.setTimer(delay, accept);
    else setImmediate(accept);
    return clientSocket;
  }

  async connect(request: TransportConnectRequest): Promise<VsockSocket> {
    const { target, listener } = await this.route('stream', request);
    return this.pair<VsockSocket>('stream', request, target, listener, (e) => {
      const socket = (side: Side) => {
        const end = endOf<Buffer>(e, side);
        const { allowHalfOpen } = side === 'client' ? request : listener;
        return new ChannelSocket(
          new FakeStreamChannel(...end.channel),
          allowHalfOpen === undefined ? {} : { allowHalfOpen },
        );
      };
      const client = socket('client');
      // A stream socket buffers what arrives until it is read: the server's is made now.
      const server = socket('server');
      return [client, () => server];
    });
  }

  async connectSeqpacket(request: TransportConnectRequest): Promise<VsockMessageSocket> {
    const { target, listener } = await this.route('seqpacket', request);
    const hypervisor = this.endpoint.hypervisor;
    return this.pair<VsockMessageSocket>('seqpacket', request, target, listener, (e) => {
      const socket = (side: Side) => {
        const end = endOf<FakeMessage>(e, side);
        const channel = new FakeMessageChannel(...end.channel, (m) =>
          hypervisor.faults.stageReceive(end.fromCid, end.toCid, m),
        );
        const messageSocket = messageSocketOf(channel);
        hypervisor.messageChannels.set(messageSocket, channel);
        return messageSocket;
      };
      return [socket('client'), () => socket('server')];
    });
  }

  private async listenKind(
    kind: Kind,
    request: TransportListenRequest,
    handlers: { connection(socket: never): void; error(error: Error): void },
  ): Promise<TransportListener> {
    this.requireVmci('listen');
    const port = this.bindPort(kind, request, 'bind');
    const { endpoint } = this;
    const counter = endpoint.hypervisor.resources;
    let closed = false;
    const key = portKey(kind, port);
    const listener: FakeListener = {
      kind,
      port,
      bufferSize: request.bufferSize ?? defaultBufferSize,
      allowHalfOpen: request.allowHalfOpen,
      connection: (socket) => {
        if (closed) socket.destroy();
        else handlers.connection(socket as never);
      },
      close: () => {
        if (closed) return;
        closed = true;
        counter.remove(listener);
        if (endpoint.ports.get(key) === listener) endpoint.ports.delete(key);
      },
    };
    endpoint.ports.set(key, listener);
    counter.add(listener, `${kind} listener ${endpoint.cid}:${port}`);
    return {
      address: () => ({ cid: request.cid, port }),
      close: () => listener.close(),
      ref: () => {},
      unref: () => {},
    };
  }

  listen(
    request: TransportListenRequest,
    handlers: { connection(socket: VsockSocket): void; error(error: Error): void },
  ): Promise<TransportListener> {
    return this.listenKind('stream', request, handlers);
  }

  listenSeqpacket(
    request: TransportListenRequest,
    handlers: { connection(socket: VsockMessageSocket): void; error(error: Error): void },
  ): Promise<TransportListener> {
    return this.listenKind('seqpacket', request, handlers);
  }

  /** A datagram socket bound on this endpoint (VMCI only: ENODEV on a virtio guest). */
  async bindDatagram(request: VsockAddress): Promise<BoundDatagramSocket> {
    return datagramSocketOf(this.bindDatagramChannel(request));
  }

  /**
   * The datagram channel below {@link bindDatagram}: its queue stays inspectable (`inbox`), for the
   * served hypervisor and for tests that read a queue as it fills.
   */
  bindDatagramChannel(request: VsockAddress): FakeDatagramChannel {
    this.requireVmci('socket');
    const port = this.bindPort('dgram', request, 'bind');
    const { endpoint } = this;
    const key = portKey('dgram', port);
    const channel: FakeDatagramChannel = new FakeDatagramChannel(
      { cid: endpoint.cid, port },
      new Pipe(datagramQueueBytes),
      endpoint.hypervisor,
      endpoint.hypervisor.resources,
      () => {
        if (endpoint.ports.get(key) === channel) endpoint.ports.delete(key);
      },
    );
    endpoint.ports.set(key, channel);
    return channel;
  }
}

type Side = 'client' | 'server';

/** One end of `ends` as its socket sees it: what it reads, what it writes, between which CIDs. */
function endOf<T extends { length: number }>(ends: ConnectionEnds, side: Side) {
  const self = ends[side];
  const peer = ends[side === 'client' ? 'server' : 'client'];
  const inbound = (side === 'client' ? ends.toClient : ends.toServer) as Pipe<T>;
  const outbound = (side === 'client' ? ends.toServer : ends.toClient) as Pipe<T>;
  return {
    /** The arguments both fake channels' constructors start with. */
    channel: [self.local, self.remote, inbound, outbound, ends.counter, ends.release] as const,
    // Local CIDs: a loopback connection's remote CID is 1, but faults are staged between endpoints.
    fromCid: peer.local.cid,
    toCid: self.local.cid,
  };
}

/** Both ends of a connection, as `pair` hands them to its factory. */
interface ConnectionEnds {
  readonly client: { local: VsockAddress; remote: VsockAddress };
  readonly server: { local: VsockAddress; remote: VsockAddress };
  readonly toServer: Pipe<never>;
  readonly toClient: Pipe<never>;
  readonly counter: import('./channels.js').ResourceCounter;
  readonly release: () => void;
}
