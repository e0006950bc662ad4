/**
 * `vmci listen <port>`: ncat's server for vsock. The first connection is piped to standard input
 * and output (or echoed, or handed to a command); `--keep` serves until interrupted;
 * `--seqpacket` / `--dgram` turn lines into messages.
 */
import { spawn } from 'node:child_process';
import {
  CID_ANY,
  createDatagramSocket,
  createSeqpacketServer,
  createServer,
  resolveCid,
  systemdListenFds,
  type Transport,
  type VsockAddress,
  type VsockMessageSocket,
  type VsockSocket,
} from '@vmci/sockets';
import { stringOption } from '../args.js';
import type { CommandContext, ParsedCommand } from '../command.js';
import { type CliIo, hasStreams, type StreamIo, UsageError } from '../io.js';
import { printMessage, sendLines } from '../message-lines.js';
import { listenPort } from '../ports.js';
import { closed, pipeWithStdio, reportSocketError } from '../stdio-pipe.js';
import { withTransportOptions } from '../transport-option.js';
import { untilAborted } from '../until-aborted.js';
import { type SocketKind, socketKind } from './connect.js';

export interface ListenOptions {
  /** The port to listen on; ignored with `fd`. */
  readonly port: string;
  /** Serve this already listening socket (systemd socket activation) instead of binding. */
  readonly fd?: number;
  readonly cid?: string;
  readonly echo?: boolean;
  readonly exec?: string;
  readonly keep?: boolean;
  readonly kind?: SocketKind;
  /** With seqpacket/dgram: print each message as a JSON object (with the sender). */
  readonly json?: boolean;
  readonly transport?: Transport;
  /** Stops listening (and, for --keep and --dgram, ends the command with exit 0). */
  readonly signal?: AbortSignal;
  /** Called once listening, with the bound port (tests use it; the CLI prints to stderr). */
  readonly onListening?: (port: number) => void;
}

function serveExec(socket: VsockSocket, command: string, io: CliIo) {
  const child = spawn(command, { shell: true, stdio: ['pipe', 'pipe', 'inherit'] });
  socket.pipe(child.stdin);
  child.stdout.pipe(socket);
  child.stdin.on('error', () => socket.destroy());
  child.on('error', (error) => {
    reportSocketError(io, error);
    socket.destroy();
  });
  socket.on('error', () => child.kill());
}

function announce(io: CliIo, options: ListenOptions, bound: VsockAddress, kind: SocketKind) {
  const where = bound.cid === CID_ANY ? 'any' : String(bound.cid);
  const label = kind === 'stream' ? 'vsock' : `vsock ${kind}`;
  io.stderr(`listening on ${label} ${where}:${bound.port}\n`);
  options.onListening?.(bound.port);
}

export async function runListen(io: StreamIo, options: ListenOptions): Promise<number> {
  const port = listenPort(options.port);
  const cid = options.cid === undefined ? undefined : resolveCid(options.cid);
  const kind = options.kind ?? 'stream';
  if (options.echo && options.exec)
    throw new UsageError('vmci listen: --echo and --exec exclude each other');
  if (options.exec && kind !== 'stream')
    throw new UsageError('vmci listen: --exec needs a stream; drop --seqpacket/--dgram');
  if (options.fd !== undefined && kind === 'dgram')
    throw new UsageError('vmci listen: --systemd serves stream or seqpacket sockets; drop --dgram');
  const address = {
    port,
    ...(cid !== undefined ? { cid } : {}),
    ...(options.fd !== undefined ? { fd: options.fd } : {}),
  };
  if (kind === 'dgram') return listenDatagrams(io, options, address);
  if (kind === 'seqpacket') return listenMessages(io, options, address);

  // Half-open, like ncat: the peer's end of input does not end our output (a command's reply).
  const server = createServer({
    allowHalfOpen: true,
    ...(options.transport ? { transport: options.transport } : {}),
  });
  announce(io, options, await server.listenAsync(address), kind);
  let failed = false;
  const served = new Promise<void>((resolve) => {
    options.signal?.addEventListener('abort', () => server.close(() => resolve()), { once: true });
    server.on('connection', (socket) => {
      io.stderr(`connection from ${socket.remoteCid}:${socket.remotePort}\n`);
      if (!options.keep) server.close();
      const done = (failure: Error | undefined) => {
        if (failure) failed = true;
        if (!options.keep) resolve();
      };
      if (options.echo || options.exec) {
        socket.on('error', (error) => reportSocketError(io, error));
        void closed(socket).then(done);
        if (options.echo) socket.pipe(socket);
        else serveExec(socket, options.exec as string, io);
      } else void pipeWithStdio(socket, io).then(done);
    });
  });
  await served;
  return failed && !options.keep ? 1 : 0;
}

async function listenMessages(
  io: StreamIo,
  options: ListenOptions,
  address: { port: number; cid?: number; fd?: number },
): Promise<number> {
  const server = createSeqpacketServer(options.transport ? { transport: options.transport } : {});
  announce(io, options, await server.listenAsync(address), 'seqpacket');
  const json = options.json === true;
  let failed = false;
  await new Promise<void>((resolve) => {
    options.signal?.addEventListener('abort', () => server.close(() => resolve()), { once: true });
    server.on('connection', (socket: VsockMessageSocket) => {
      io.stderr(`connection from ${socket.remoteCid}:${socket.remotePort}\n`);
      if (!options.keep) server.close();
      const from = { cid: socket.remoteCid, port: socket.remotePort };
      socket.on('error', (error) => reportSocketError(io, error));
      socket.on('message', (data) => {
        if (options.echo) socket.send(data).catch((error: Error) => socket.destroy(error));
        else printMessage(io, data, { json, from });
      });
      // The echo ends when the peer ends; otherwise our input's end ends our side.
      if (options.echo) socket.on('end', () => socket.end());
      else
        void sendLines(io.stdin, (line) => socket.send(line))
          .then(() => socket.end())
          .catch((error: Error) => socket.destroy(error));
      void closed(socket).then((failure) => {
        if (failure) failed = true;
        if (!options.keep) resolve();
      });
    });
  });
  return failed && !options.keep ? 1 : 0;
}

async function listenDatagrams(
  io: StreamIo,
  options: ListenOptions,
  address: { port: number; cid?: number },
): Promise<number> {
  const socket = createDatagramSocket(options.transport ? { transport: options.transport } : {});
  const json = options.json === true;
  let lastSender: VsockAddress | undefined;
  socket.on('error', (error) => reportSocketError(io, error));
  socket.on('message', (data, from) => {
    lastSender = from;
    if (options.echo)
      socket.send(data, from.cid, from.port).catch((error: Error) => reportSocketError(io, error));
    else printMessage(io, data, { json, from });
  });
  announce(io, options, await socket.bind(address), 'dgram');
  if (!options.echo) {
    // Like `ncat -u -l`: our input lines go to whoever sent the last datagram.
    void sendLines(io.stdin, async (line) => {
      if (lastSender) await socket.send(line, lastSender.cid, lastSender.port);
      else
        io.stderr('vmci: no datagram received yet; dropped a line of input (no peer to send to)\n');
    });
  }
  // Datagrams have no connections to count: serve until interrupted.
  await untilAborted(options.signal);
  await new Promise<void>((resolve) => socket.close(resolve));
  return 0;
}

/** `vmci listen <port> [--cid C] [--echo | --exec CMD] [--keep] [--seqpacket | --dgram]`. */
export async function run(parsed: ParsedCommand, given: CommandContext): Promise<number> {
  const context = withTransportOptions('listen', parsed, given);
  if (!hasStreams(context.io))
    throw new UsageError('vmci listen: needs standard input and output streams');
  const cid = stringOption(parsed, 'cid');
  const exec = stringOption(parsed, 'exec');
  const port = parsed.positionals[0];
  let fd: number | undefined;
  if (parsed.values.systemd) {
    if (port !== undefined || cid !== undefined)
      throw new UsageError(
        'vmci listen: --systemd serves the socket systemd passed: drop the port and --cid',
      );
    const [activated] = systemdListenFds();
    if (!activated)
      throw new UsageError(
        'vmci listen: --systemd needs socket activation (LISTEN_FDS/LISTEN_PID from a .socket unit with ListenStream=vsock::PORT)',
      );
    fd = activated.fd;
  } else if (port === undefined)
    throw new UsageError('vmci listen: give a port (e.g. vmci listen 5000 --echo) or --systemd');
  return runListen(context.io, {
    port: port ?? 'any',
    ...(fd !== undefined ? { fd } : {}),
    kind: socketKind(parsed, 'listen'),
    json: parsed.values.json === true,
    echo: parsed.values.echo === true,
    keep: parsed.values.keep === true,
    ...(cid !== undefined ? { cid } : {}),
    ...(exec !== undefined ? { exec } : {}),
    ...(context.transport ? { transport: context.transport } : {}),
    ...(context.signal ? { signal: context.signal } : {}),
  });
}
