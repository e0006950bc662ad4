/**
 * A fake Firecracker vsock muxer for tests — Unix sockets only, never AF_VSOCK.
 *
 * Host side: a Unix-socket server at `udsPath` that reads `CONNECT <port>\n` and answers
 * `OK <hostport>\n`, after which the connection belongs to the in-test "guest listener" on that
 * port; with no guest listener it closes the connection (a refused connect). Guest side:
 * `guestConnect(port)` connects to `<udsPath>_<port>`, as Firecracker does for a guest connecting
 * to the host's port.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What the muxer knows about a host-initiated connection it hands to a guest listener. */
export interface GuestConnectionInfo {
  /** The host port the muxer assigned (the `<n>` of `OK <n>`): the host end's `localPort`. */
  readonly hostPort: number;
  /** Bytes of the handshake the socket read (`CONNECT <port>\n`) — not part of the stream. */
  readonly requestBytes: number;
  /** Bytes of the handshake the socket wrote (`OK <n>\n`) — not part of the stream. */
  readonly replyBytes: number;
}

/** Takes over a host-initiated connection on the "guest" side. */
export type GuestHandler = (socket: net.Socket, info: GuestConnectionInfo) => void;

/** How a guest listener answers a connection. */
export interface GuestListenOptions {
  /** Bytes the "guest" sends at once, written in the same chunk as the OK line. */
  readonly greeting?: Buffer;
  /** Keep the guest end writable after the host ends its side (default false, as net). */
  readonly allowHalfOpen?: boolean;
}

/** A running fake muxer: its Unix socket, its behaviour switches and its "guest" side. */
export interface FakeMuxer {
  readonly dir: string;
  readonly udsPath: string;
  /** `normal`: as Firecracker; `silent`: never answers CONNECT; `malformed`: answers `reply`. */
  mode: 'normal' | 'silent' | 'malformed';
  malformedReply: string;
  /** Connection requests the muxer parsed (`CONNECT <port>`), in order. */
  readonly requests: number[];
  /** Registers a guest listener on `port`; returns its removal. */
  guestListen(port: number, handler: GuestHandler, options?: GuestListenOptions): () => void;
  /** Whether a guest listener is registered on `port`. */
  guestListening(port: number): boolean;
  /** Guest listeners registered right now. */
  guestListeners(): number;
  /** The guest connecting to host (CID 2) port `port`: a Unix connect to `<udsPath>_<port>`. */
  guestConnect(port: number): Promise<net.Socket>;
  /** Host connections the muxer holds open right now. */
  openConnections(): number;
  /** Closes the server and every connection, and removes the directory. */
  close(): Promise<void>;
}

const FIRST_HOST_PORT = 1 << 30;

/** Starts a fake muxer on a Unix socket in a fresh temporary directory (`close()` removes it). */
export async function startFakeMuxer(): Promise<FakeMuxer> {
  const dir = mkdtempSync(join(tmpdir(), 'hybrid-vsock-'));
  const udsPath = join(dir, 'v.sock');
  const listeners = new Map<number, { handler: GuestHandler; options: GuestListenOptions }>();
  const open = new Set<net.Socket>();
  const guestSockets = new Set<net.Socket>();
  let nextHostPort = FIRST_HOST_PORT;

  const server = net.createServer((socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    socket.on('error', () => {});
    let buffered = Buffer.alloc(0);
    const onReadable = () => {
      for (let chunk = socket.read() as Buffer | null; chunk; chunk = socket.read()) {
        buffered = Buffer.concat([buffered, chunk]);
      }
      const newline = buffered.indexOf(0x0a);
      if (newline < 0) return;
      socket.off('readable', onReadable);
      const line = buffered.subarray(0, newline).toString();
      const rest = buffered.subarray(newline + 1);
      const match = /^CONNECT ([0-9]+)$/.exec(line);
      if (!match) {
        socket.destroy();
        return;
      }
      const port = Number(match[1]);
      muxer.requests.push(port);
      if (muxer.mode === 'silent') return;
      if (muxer.mode === 'malformed') {
        socket.write(muxer.malformedReply);
        return;
      }
      const listener = listeners.get(port);
      if (!listener) {
        socket.end(); // Firecracker: the guest answered RST
        return;
      }
      const hostPort = nextHostPort++;
      const ok = Buffer.from(`OK ${hostPort}\n`);
      if (listener.options.allowHalfOpen) socket.allowHalfOpen = true;
      socket.write(listener.options.greeting ? Buffer.concat([ok, listener.options.greeting]) : ok);
      if (rest.length > 0) socket.unshift(rest);
      listener.handler(socket, { hostPort, requestBytes: newline + 1, replyBytes: ok.length });
    };
    socket.on('readable', onReadable);
  });
  // A deep accept queue, as a VMM's: 1,000 clients at once must queue, not fail with EAGAIN.
  await new Promise<void>((resolve) => server.listen({ path: udsPath, backlog: 4096 }, resolve));

  const muxer: FakeMuxer = {
    dir,
    udsPath,
    mode: 'normal',
    malformedReply: 'HELLO\n',
    requests: [],
    guestListen(port, handler, options = {}) {
      const entry = { handler, options };
      listeners.set(port, entry);
      return () => {
        // Only this registration: a later listener on the same port stays.
        if (listeners.get(port) === entry) listeners.delete(port);
      };
    },
    guestListening: (port) => listeners.has(port),
    guestListeners: () => listeners.size,
    guestConnect(port) {
      return new Promise((resolve, reject) => {
        const socket = net.connect({ path: `${udsPath}_${port}` });
        guestSockets.add(socket);
        socket.once('close', () => guestSockets.delete(socket));
        socket.once('connect', () => {
          socket.off('error', reject);
          resolve(socket);
        });
        socket.once('error', reject);
      });
    },
    openConnections: () => open.size,
    async close() {
      for (const socket of [...open, ...guestSockets]) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return muxer;
}

/** Polls until `condition` holds (or fails after ~2 s). */
export async function waitFor(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (condition()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}
