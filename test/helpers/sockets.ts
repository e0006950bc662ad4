/**
 * Socket helpers shared by the packages' tests (not shipped): reading and exchanging bytes, TCP and
 * Unix clients, and small servers whose `close()` also ends the connections still open. This
 * folder cannot import the packages: a vsock service takes @vmci/sockets' `createServer` from its
 * caller, with a testkit transport (host tests never touch this machine's vsock).
 */
import {
  connect as connectNet,
  createServer as createNetServer,
  type Server,
  type Socket,
} from 'node:net';
import type { Duplex } from 'node:stream';
import { finished } from 'node:stream/promises';

/**
 * Everything the socket sends until it ends (its own side stays open: no async iterator). A
 * socket that closes without ending rejects (ERR_STREAM_PREMATURE_CLOSE) instead of hanging.
 */
export async function readAll(socket: Duplex): Promise<Buffer> {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  await finished(socket, { writable: false });
  return Buffer.concat(chunks);
}

/** Sends `data` and ends our side, while reading everything the peer sends until its end. */
export function exchange(socket: Duplex, data: Buffer): Promise<Buffer> {
  const reply = readAll(socket);
  socket.end(data);
  return reply;
}

/** Resolves when the socket has closed (immediately when it already has). */
export function closed(socket: Duplex): Promise<void> {
  if (socket.closed) return Promise.resolve();
  return new Promise((resolve) => socket.once('close', () => resolve()));
}

/**
 * Resolves when the peer is gone: the socket's input ended (a FIN; half-open sockets stay
 * writable) or the socket closed (a reset).
 */
export function peerGone(socket: Duplex): Promise<void> {
  if (socket.readableEnded || socket.closed) return Promise.resolve();
  return new Promise((resolve) => {
    socket.once('end', () => resolve());
    socket.once('close', () => resolve());
    socket.resume();
  });
}

/** Connects to a TCP port and waits until the peer is gone, whether or not the connect completed. */
export function tcpConnectionTurnedAway(port: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = connectNet({ host: '127.0.0.1', port });
    socket.on('error', () => {});
    socket.once('close', () => resolve());
    socket.once('end', () => socket.destroy());
    socket.resume();
  });
}

/** Connects a half-open TCP (`{ host, port }`) or Unix (`{ path }`) client and waits for the connection. */
function netClient(where: { host: string; port: number } | { path: string }): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connectNet({ ...where, allowHalfOpen: true }, () => {
      socket.off('error', reject);
      // Resets by a proxy are expected in some tests; they look at 'close' or readAll instead.
      socket.on('error', () => {});
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** Connects a TCP client (half-open) and waits for the connection. */
export function tcpClient(port: number, host = '127.0.0.1'): Promise<Socket> {
  return netClient({ host, port });
}

/** Connects a Unix socket client (half-open). */
export function unixClient(path: string): Promise<Socket> {
  return netClient({ path });
}

/** An echo handler: every byte back, and an end for an end. */
export const echo = (socket: Duplex) => socket.pipe(socket);

/** A listening server, its port, and a `close()` that also destroys the connections still open. */
export interface Service<S> {
  readonly server: S;
  readonly port: number;
  close(): Promise<void>;
}

/** What {@link serve} needs of a server: net's and @vmci/sockets' both qualify. */
interface ClosableServer {
  readonly listening: boolean;
  close(callback: () => void): unknown;
}

/**
 * Makes a server with `create` (handing it a connection handler that runs `handler` and keeps
 * track of the connection, its errors ignored), then listens with `listen` (resolving to the bound
 * port).
 */
export async function serve<S extends ClosableServer, T extends Duplex>(
  create: (onConnection: (socket: T) => void) => S,
  listen: (server: S) => Promise<number>,
  handler: (socket: T) => void,
): Promise<Service<S>> {
  const sockets = new Set<T>();
  const server = create((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    handler(socket);
  });
  const port = await listen(server);
  return {
    server,
    port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A TCP (or, with `path`, Unix) server on localhost; `close()` destroys open connections too. */
export function netService(
  handler: (socket: Socket) => void,
  where: { path: string } | { host: string; port: number } = { host: '127.0.0.1', port: 0 },
): Promise<Service<Server>> {
  return serve(
    (onConnection) => createNetServer({ allowHalfOpen: true }, onConnection),
    (server) =>
      new Promise<number>((resolve, reject) => {
        server.once('error', reject);
        server.listen(where, () => {
          const address = server.address();
          resolve(typeof address === 'object' && address ? address.port : 0);
        });
      }),
    handler,
  );
}

/** A vsock server as {@link vsockService} uses it (@vmci/sockets' `VsockServer`). */
interface ListeningServer extends ClosableServer {
  listenAsync(options: { port: number }): Promise<{ port: number }>;
}

/**
 * Serves `handler` on a vsock `port` of `transport` (half-open), with the server made by
 * `createServer` (@vmci/sockets'); `close()` also destroys open connections.
 */
export function vsockService<Tr, S extends ListeningServer, T extends Duplex>(
  createServer: (
    options: { transport: Tr; allowHalfOpen: boolean },
    handler: (socket: T) => void,
  ) => S,
  transport: Tr,
  port: number,
  handler: (socket: T) => void,
): Promise<Service<S>> {
  return serve(
    (onConnection) => createServer({ transport, allowHalfOpen: true }, onConnection),
    async (server) => (await server.listenAsync({ port })).port,
    handler,
  );
}
