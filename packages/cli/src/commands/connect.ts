/**
 * `vmci connect <cid>:<port>`: ncat's client for vsock. Standard input goes to the peer and the
 * peer's bytes to standard output; `--seqpacket` / `--dgram` turn lines into messages.
 */
import {
  connect,
  connectSeqpacket,
  createDatagramSocket,
  parseVsockAddress,
  type Transport,
} from '@vmci/sockets';
import { optionalPositiveInteger } from '../args.js';
import type { CommandContext, ParsedCommand } from '../command.js';
import { hasStreams, type StreamIo, UsageError } from '../io.js';
import { printMessage, sendLines } from '../message-lines.js';
import { closed, pipeWithStdio, reportSocketError } from '../stdio-pipe.js';
import { guestCidOf, withTransportOptions } from '../transport-option.js';

export type SocketKind = 'stream' | 'seqpacket' | 'dgram';

export interface ConnectCommandOptions {
  /** `cid:port`, `vsock://cid:port`, or a name (`host:5000`). */
  readonly address: string;
  readonly connectTimeout?: number;
  readonly kind?: SocketKind;
  /** With seqpacket/dgram: print each message as a JSON object. */
  readonly json?: boolean;
  readonly transport?: Transport;
  readonly signal?: AbortSignal;
}

export async function runConnect(io: StreamIo, options: ConnectCommandOptions): Promise<number> {
  const { cid, port } = parseVsockAddress(options.address);
  const common = {
    cid,
    port,
    ...(options.connectTimeout ? { connectTimeout: options.connectTimeout } : {}),
    ...(options.transport ? { transport: options.transport } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  };
  const json = options.json === true;
  if (options.kind === 'seqpacket') {
    const socket = await connectSeqpacket(common);
    socket.on('message', (data) => printMessage(io, data, { json }));
    socket.on('error', (error) => reportSocketError(io, error));
    const done = closed(socket);
    void sendLines(io.stdin, (line) => socket.send(line))
      .then(() => socket.end())
      .catch((error: Error) => socket.destroy(error));
    return (await done) ? 1 : 0;
  }
  if (options.kind === 'dgram') {
    const socket = createDatagramSocket(options.transport ? { transport: options.transport } : {});
    socket.on('message', (data, from) => printMessage(io, data, { json, from }));
    try {
      // Datagrams have no connection and no end: the exchange lasts as long as standard input.
      await sendLines(io.stdin, (line) => socket.send(line, cid, port));
    } finally {
      socket.close();
    }
    return 0;
  }
  const socket = await connect(common);
  return (await pipeWithStdio(socket, io)) ? 1 : 0;
}

export function socketKind(parsed: ParsedCommand, command: string): SocketKind {
  if (parsed.values.seqpacket && parsed.values.dgram)
    throw new UsageError(`vmci ${command}: --seqpacket and --dgram exclude each other`);
  if (parsed.values.json && !parsed.values.seqpacket && !parsed.values.dgram)
    throw new UsageError(
      `vmci ${command}: --json prints messages; use it with --seqpacket or --dgram`,
    );
  return parsed.values.seqpacket ? 'seqpacket' : parsed.values.dgram ? 'dgram' : 'stream';
}

/** `vmci connect <cid>:<port> [--timeout MS] [--seqpacket | --dgram] [--json]`. */
export async function run(parsed: ParsedCommand, given: CommandContext): Promise<number> {
  const address = parsed.positionals[0] as string;
  const context = withTransportOptions(
    'connect',
    parsed,
    given,
    guestCidOf(parseVsockAddress(address).cid),
  );
  if (!hasStreams(context.io))
    throw new UsageError('vmci connect: needs standard input and output streams');
  const connectTimeout = optionalPositiveInteger('connect', parsed, 'timeout');
  return runConnect(context.io, {
    address,
    kind: socketKind(parsed, 'connect'),
    json: parsed.values.json === true,
    ...(connectTimeout !== undefined ? { connectTimeout } : {}),
    ...(context.transport ? { transport: context.transport } : {}),
    ...(context.signal ? { signal: context.signal } : {}),
  });
}
