/**
 * `vmci listen <port>` and `vmci connect <cid>:<port>`: ncat for vsock. Standard input goes to the
 * peer and the peer's bytes to standard output; `--echo` serves an echo; `--keep` keeps listening
 * after the first connection.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import {
  connect,
  createServer,
  parseVsockAddress,
  resolveCid,
  resolvePort,
  type Transport,
  type VsockSocket,
} from '@vmci/sockets';
import { type CliIo, UsageError } from '../io.js';

export interface StreamIo extends CliIo {
  readonly stdin: Readable;
  readonly stdoutStream: Writable;
}

export interface ListenOptions {
  readonly port: string;
  readonly cid?: string;
  readonly echo?: boolean;
  readonly exec?: string;
  readonly keep?: boolean;
  readonly transport?: Transport;
  /** Called once listening, with the bound port (tests use it; the CLI prints to stderr). */
  readonly onListening?: (port: number) => void;
}

/** Pipes a connection both ways with the terminal; resolves when the peer's side ends. */
async function pipeWithStdio(socket: VsockSocket, io: StreamIo): Promise<void> {
  io.stdin.pipe(socket);
  socket.pipe(io.stdoutStream, { end: false });
  await once(socket, 'close');
  io.stdin.unpipe(socket);
}

function serveExec(socket: VsockSocket, command: string) {
  const child = spawn(command, { shell: true, stdio: ['pipe', 'pipe', 'inherit'] });
  socket.pipe(child.stdin);
  child.stdout.pipe(socket);
  child.on('error', () => socket.destroy());
  socket.on('error', () => child.kill());
}

export async function runListen(io: StreamIo, options: ListenOptions): Promise<number> {
  const port = resolvePort(options.port, 'port');
  const cid = options.cid === undefined ? undefined : resolveCid(options.cid);
  if (options.echo && options.exec)
    throw new UsageError('vmci listen: --echo and --exec exclude each other');
  // Half-open, like ncat: the peer's end of input does not end our output (a command's reply).
  const server = createServer({
    allowHalfOpen: true,
    ...(options.transport ? { transport: options.transport } : {}),
  });
  const bound = await server.listenAsync({ port, ...(cid !== undefined ? { cid } : {}) });
  io.stderr(`listening on vsock ${bound.cid === 0xffffffff ? 'any' : bound.cid}:${bound.port}\n`);
  options.onListening?.(bound.port);
  const served = new Promise<void>((resolve) => {
    server.on('connection', (socket) => {
      io.stderr(`connection from ${socket.remoteCid}:${socket.remotePort}\n`);
      socket.on('error', (error) =>
        io.stderr(`vmci: ${(error as { code?: string }).code ?? 'error'}: ${error.message}\n`),
      );
      const done = () => {
        if (!options.keep) {
          server.close();
          resolve();
        }
      };
      socket.once('close', done);
      if (options.echo) socket.pipe(socket);
      else if (options.exec) serveExec(socket, options.exec);
      else void pipeWithStdio(socket, io);
      if (!options.keep) server.close();
    });
  });
  await served;
  return 0;
}

export interface ConnectCommandOptions {
  readonly address: string;
  readonly connectTimeout?: string;
  readonly transport?: Transport;
}

export async function runConnect(io: StreamIo, options: ConnectCommandOptions): Promise<number> {
  const { cid, port } = parseVsockAddress(options.address);
  const connectTimeout =
    options.connectTimeout === undefined ? undefined : Number(options.connectTimeout);
  if (connectTimeout !== undefined && !(connectTimeout > 0))
    throw new UsageError(
      `vmci connect: --timeout must be a positive number of ms, got '${options.connectTimeout}'`,
    );
  const socket = await connect({
    cid,
    port,
    ...(connectTimeout ? { connectTimeout } : {}),
    ...(options.transport ? { transport: options.transport } : {}),
  });
  socket.on('error', (error) =>
    io.stderr(`vmci: ${(error as { code?: string }).code ?? 'error'}: ${error.message}\n`),
  );
  await pipeWithStdio(socket, io);
  return 0;
}
