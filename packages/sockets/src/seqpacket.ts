/**
 * SEQPACKET API: `connectSeqpacket()` and `createSeqpacketServer()` — message sockets with
 * boundaries kept, over any transport.
 */
import { checkConnectOptions } from './arguments.js';
import { type ConnectOptions, connectRequest } from './connect.js';
import { defaultTransport } from './default-transport.js';
import type { VsockMessageSocket } from './message-socket.js';
import { type ServerOptions, VsockServer } from './server.js';
import type { TransportListener, TransportListenRequest } from './transport.js';

/** `connect()`'s options but `allowHalfOpen`; `timeout` is the idle timeout between messages. */
export type SeqpacketConnectOptions = Omit<ConnectOptions, 'allowHalfOpen'>;

/** Connects a SEQPACKET socket (the same options checks as `connect()`). */
export async function connectSeqpacket(
  options: SeqpacketConnectOptions,
): Promise<VsockMessageSocket> {
  const checked = checkConnectOptions(options, 'connectSeqpacket');
  checked.signal?.throwIfAborted();
  const transport = options.transport ?? defaultTransport();
  const socket = await transport.connectSeqpacket(connectRequest(checked, undefined));
  if (checked.timeout) socket.setTimeout(checked.timeout);
  return socket;
}

/** A server of SEQPACKET connections: `'connection'` gets a {@link VsockMessageSocket}. */
export class VsockSeqpacketServer extends VsockServer<VsockMessageSocket> {
  protected override startListener(
    request: TransportListenRequest,
    handlers: { connection(socket: VsockMessageSocket): void; error(error: Error): void },
  ): Promise<TransportListener> {
    return this.transport.listenSeqpacket(request, handlers);
  }
}

/**
 * A SEQPACKET server, as {@link createServer} for streams: each connection is a
 * {@link VsockMessageSocket}.
 */
export function createSeqpacketServer(
  options?: Omit<ServerOptions, 'allowHalfOpen'> | ((socket: VsockMessageSocket) => void),
  onConnection?: (socket: VsockMessageSocket) => void,
): VsockSeqpacketServer {
  if (typeof options === 'function')
    return new VsockSeqpacketServer({ transport: defaultTransport() }, options);
  return new VsockSeqpacketServer(options ?? {}, onConnection);
}
