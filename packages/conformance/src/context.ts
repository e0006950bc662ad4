/**
 * The descriptor baseline and what every behaviour group needs: a fresh target per test, servers
 * and sockets that are cleaned up after it, and the check that no resource (descriptor, channel)
 * was left open.
 */
import {
  type ConnectOptions,
  connect,
  connectSeqpacket,
  createSeqpacketServer,
  createServer,
  type SeqpacketConnectOptions,
  type ServerOptions,
  type VsockMessageSocket,
  type VsockSeqpacketServer,
  type VsockServer,
  type VsockSocket,
} from '@vmci/sockets';
import { afterEach, beforeEach, expect } from 'vitest';
import type { ConformanceSetup, ConformanceTarget } from './target.js';

/** What a test of a behaviour group works with; the block's hooks clean it up. */
export interface ConformanceContext {
  /** This test's target. */
  readonly target: ConformanceTarget;
  /** Destroys `socket` (or closes `server`) after the test. */
  track<T extends VsockSocket | VsockMessageSocket | VsockServer | VsockSeqpacketServer>(
    value: T,
  ): T;
  /** A stream server (with `options`) on any port of the server transport. */
  listen(
    onConnection?: (socket: VsockSocket) => void,
    options?: Partial<ServerOptions>,
  ): Promise<{ server: VsockServer; port: number }>;
  /** A client connected to `port` of the server. */
  dial(port: number, options?: Partial<ConnectOptions>): Promise<VsockSocket>;
  /** A connected stream pair: [the server's accepted socket, the client]. */
  pair(): Promise<[VsockSocket, VsockSocket]>;
  /** A connected stream pair and the server that accepted it. */
  pairWithServer(): Promise<{ server: VsockServer; accepted: VsockSocket; client: VsockSocket }>;
  /**
   * A connected message pair: [the server's accepted socket, the client], the client connected
   * with `options`, the server listening with `serverOptions`.
   */
  messagePair(
    options?: Partial<SeqpacketConnectOptions>,
    serverOptions?: { bufferSize?: number },
  ): Promise<[VsockMessageSocket, VsockMessageSocket]>;
}

/** The open-resource count once it is back at `baseline` (or after ~1 s, whatever it is then). */
export const settle = async (target: ConformanceTarget, baseline: number) => {
  // Closing is asynchronous on some backends (libuv closes on the next loop turn).
  for (let i = 0; i < 100 && target.openResources() !== baseline; i++)
    await new Promise((r) => setTimeout(r, 10));
  return target.openResources();
};

/** What a block destroys and closes after each test. */
export interface Tracked {
  readonly sockets: (VsockSocket | VsockMessageSocket)[];
  readonly servers: (VsockServer | VsockSeqpacketServer)[];
}

/**
 * The hooks of one conformance block: a fresh target before each test (handed to `onTarget`);
 * after it, the tracked sockets and servers go, and the open resources must be back at the count
 * the test started with.
 */
export function useTargetHooks(
  setup: ConformanceSetup,
  tracked: Tracked,
  onTarget: (target: ConformanceTarget) => void,
): void {
  let current: ConformanceTarget | undefined;
  let baseline = 0;
  beforeEach(async () => {
    current = await setup();
    baseline = current.openResources();
    onTarget(current);
  });
  afterEach(async () => {
    for (const socket of tracked.sockets.splice(0)) socket.destroy();
    for (const server of tracked.servers.splice(0)) if (server.listening) server.close();
    const target = current as ConformanceTarget;
    expect(await settle(target, baseline), 'open resources after the test').toBe(baseline);
  });
}

/** Registers the hooks of one conformance block; call inside its `describe`. */
export function useConformanceContext(setup: ConformanceSetup): ConformanceContext {
  let target: ConformanceTarget | undefined;
  const sockets: (VsockSocket | VsockMessageSocket)[] = [];
  const servers: (VsockServer | VsockSeqpacketServer)[] = [];
  useTargetHooks(setup, { sockets, servers }, (current) => {
    target = current;
  });

  const context: ConformanceContext = {
    get target() {
      if (!target) throw new Error('the conformance target exists only inside a test');
      return target;
    },
    track(value) {
      if ('listening' in value) servers.push(value);
      else sockets.push(value);
      return value;
    },
    async listen(onConnection, options = {}) {
      const server = context.track(
        createServer({ ...options, transport: context.target.server }, (socket) => {
          context.track(socket);
          onConnection?.(socket);
        }),
      );
      const { port } = await server.listenAsync();
      return { server, port };
    },
    async dial(port, options = {}) {
      return context.track(
        await connect({
          cid: context.target.serverCid,
          port,
          transport: context.target.client,
          ...options,
        }),
      );
    },
    async pair() {
      const { accepted, client } = await context.pairWithServer();
      return [accepted, client];
    },
    async pairWithServer() {
      let onAccepted!: (socket: VsockSocket) => void;
      const serverSide = new Promise<VsockSocket>((resolve) => {
        onAccepted = resolve;
      });
      const { server, port } = await context.listen((socket) => onAccepted(socket));
      const client = await context.dial(port);
      return { server, accepted: await serverSide, client };
    },
    async messagePair(options = {}, serverOptions = {}) {
      let accepted!: (socket: VsockMessageSocket) => void;
      const serverSide = new Promise<VsockMessageSocket>((resolve) => {
        accepted = resolve;
      });
      const server = context.track(
        createSeqpacketServer({ ...serverOptions, transport: context.target.server }, (socket) => {
          context.track(socket);
          accepted(socket);
        }),
      );
      const { port } = await server.listenAsync();
      const client = context.track(
        await connectSeqpacket({
          cid: context.target.serverCid,
          port,
          transport: context.target.client,
          ...options,
        }),
      );
      return [await serverSide, client];
    },
  };
  return context;
}
