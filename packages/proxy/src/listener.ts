/**
 * Listens on the proxy's `--from` endpoint — vsock through @vmci/sockets, TCP and Unix through
 * node:net — and hands every accepted socket over with a label for the log. Sockets are half-open
 * so a client's half-close reaches the target.
 *
 * Unix sockets: a socket file left behind by a process that died is removed, but only after a
 * connect to it is refused (so nothing listens on it); anything else at that path is left alone.
 * The file is removed again on close.
 */
import { lstat, unlink } from 'node:fs/promises';
import {
  type AddressInfo,
  connect as connectNet,
  createServer as createNetServer,
  type Socket,
} from 'node:net';
import type { Duplex } from 'node:stream';
import { createServer as createVsockServer, type Transport } from '@vmci/sockets';
import { type Endpoint, formatEndpoint, formatTcpHost } from './endpoint.js';
import { errorCode, errorMessage, ProxyError } from './errors.js';

export interface ListenHandlers {
  /** A client connected; `peer` is its address as an endpoint (`tcp:127.0.0.1:50514`). */
  connection(socket: Duplex, peer: string): void;
  /** The listener failed after it started (e.g. accept ran out of file descriptors). */
  error(error: Error): void;
}

export interface ProxyListener {
  /** Where it listens, with the port that was picked for port 0. */
  readonly endpoint: Endpoint;
  /** Stops accepting (accepted sockets stay open) and removes a Unix socket file. */
  close(): Promise<void>;
}

export interface ListenOptions {
  /** The vsock transport (default: the kernel's). */
  readonly transport?: Transport;
  /** The vsock listener's `SO_VM_SOCKETS_BUFFER_SIZE` in bytes; accepted sockets inherit it. */
  readonly bufferSize?: number;
}

/** Listens; rejects with a {@link ProxyError} (EADDRINUSE, EACCES, …) saying what to do. */
export async function listenOn(
  endpoint: Endpoint,
  handlers: ListenHandlers,
  options: ListenOptions = {},
): Promise<ProxyListener> {
  try {
    if (endpoint.kind === 'vsock') return await listenVsock(endpoint, handlers, options);
    if (endpoint.kind === 'tcp') return await listenTcp(endpoint, handlers);
    return await listenUnix(endpoint, handlers);
  } catch (error) {
    if (error instanceof ProxyError) throw error;
    throw new ProxyError(
      errorCode(error),
      `cannot listen on ${formatEndpoint(endpoint)}: ${describeListenError(error)}`,
      { cause: error },
    );
  }
}

function describeListenError(error: unknown): string {
  switch (errorCode(error)) {
    case 'EADDRINUSE':
      return 'the address is in use (another process listens there); pick another port or stop it';
    case 'EACCES':
      return 'permission denied (ports below 1024 need privileges; for Unix sockets, check the directory)';
    case 'EADDRNOTAVAIL':
      return 'that address does not belong to this machine';
    case 'ENOENT':
      return 'the directory for the socket file does not exist';
    case 'ENODEV':
      return 'this machine has no vsock transport';
    default:
      return errorMessage(error);
  }
}

async function listenVsock(
  endpoint: Endpoint & { kind: 'vsock' },
  handlers: ListenHandlers,
  options: ListenOptions,
): Promise<ProxyListener> {
  const server = createVsockServer({
    allowHalfOpen: true,
    ...(options.transport ? { transport: options.transport } : {}),
    ...(options.bufferSize !== undefined ? { bufferSize: options.bufferSize } : {}),
  });
  server.on('connection', (socket) =>
    handlers.connection(socket, `vsock:${socket.remoteCid}:${socket.remotePort}`),
  );
  const bound = await server.listenAsync({
    cid: endpoint.cid,
    port: endpoint.port,
  });
  server.on('error', (error) => handlers.error(error));
  return {
    endpoint: { kind: 'vsock', cid: endpoint.cid, port: bound.port },
    close: async () => {
      // close() stops accepting at once; its callback waits for open connections (not wanted).
      server.close();
    },
  };
}

function listenNet(
  options: { host: string; port: number } | { path: string },
  handlers: ListenHandlers,
  peerLabel: (socket: Socket) => string,
) {
  const server = createNetServer({ allowHalfOpen: true });
  server.on('connection', (socket) => handlers.connection(socket, peerLabel(socket)));
  return new Promise<typeof server>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options, () => {
      server.off('error', reject);
      server.on('error', (error) => handlers.error(error));
      resolve(server);
    });
  });
}

async function listenTcp(
  endpoint: Endpoint & { kind: 'tcp' },
  handlers: ListenHandlers,
): Promise<ProxyListener> {
  const server = await listenNet(
    { host: endpoint.host, port: endpoint.port },
    handlers,
    (socket) =>
      socket.remoteAddress === undefined
        ? 'tcp:unknown'
        : `tcp:${formatTcpHost(socket.remoteAddress)}:${socket.remotePort}`,
  );
  const address = server.address() as AddressInfo;
  return {
    endpoint: { kind: 'tcp', host: endpoint.host, port: address.port },
    close: async () => {
      server.close();
    },
  };
}

/** Whether something accepts connections on the Unix socket at `path`. */
function unixSocketAnswers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connectNet({ path });
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    // Refused: a socket file without a listener. Anything else (EACCES, EAGAIN with a full
    // backlog) may be a live listener: leave it.
    probe.once('error', (error) => resolve(errorCode(error) !== 'ECONNREFUSED'));
  });
}

async function removeStaleSocket(path: string): Promise<void> {
  let info: Awaited<ReturnType<typeof lstat>>;
  try {
    info = await lstat(path);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return;
    throw error;
  }
  if (!info.isSocket())
    throw new ProxyError(
      'EEXIST',
      `cannot listen on unix:${path}: a file that is not a socket is in the way; it was left alone`,
    );
  if (await unixSocketAnswers(path))
    throw new ProxyError(
      'EADDRINUSE',
      `cannot listen on unix:${path}: another process listens on it; stop it or pick another path`,
    );
  await unlink(path);
}

async function listenUnix(
  endpoint: Endpoint & { kind: 'unix' },
  handlers: ListenHandlers,
): Promise<ProxyListener> {
  await removeStaleSocket(endpoint.path);
  // Unix clients have no address of their own: label them with the socket they came through.
  const server = await listenNet({ path: endpoint.path }, handlers, () => `unix:${endpoint.path}`);
  const ours = await lstat(endpoint.path).catch(() => undefined);
  return {
    endpoint,
    close: async () => {
      server.close();
      // libuv unlinks the file on close; make sure, but never remove a newer process's socket.
      const now = await lstat(endpoint.path).catch(() => undefined);
      if (ours && now && now.ino === ours.ino && now.dev === ours.dev)
        await unlink(endpoint.path).catch(() => undefined);
    },
  };
}
