/**
 * SEQPACKET API: `connectSeqpacket()` and `createSeqpacketServer()` — message sockets with
 * boundaries kept, over any transport.
 */
import { checkConnectOptions } from './arguments.js';
import { type ConnectOptions, connectRequest } from './connect.js';
import { defaultTransport } from './default-transport.js';
import type { VsockMessageSocket } from './message-socket.js';
import { type ServerOptions, VsockServer } from './server.js';
import {
  requireCapability,
  type TransportFdListenRequest,
  type TransportListener,
  type TransportListenHandlers,
  type TransportListenRequest,
} from './transport.js';

/** `connect()`'s options but `allowHalfOpen`; `timeout` is the idle timeout between messages. */
export type SeqpacketConnectOptions = Omit<ConnectOptions, 'allowHalfOpen'>;

/**
 * Connects a SEQPACKET socket (the same options checks as `connect()`). Rejects with
 * `ERR_VMCI_UNSUPPORTED` when the transport has no SEQPACKET.
 */
export async function connectSeqpacket(
  options: SeqpacketConnectOptions,
): Promise<VsockMessageSocket> {
  const checked = checkConnectOptions(options, 'connectSeqpacket');
  checked.signal?.throwIfAborted();
  const transport = options.transport ?? defaultTransport();
  requireCapability(transport, 'connectSeqpacket');
  const socket = await transport.connectSeqpacket(connectRequest(checked, undefined));
  if (checked.timeout) socket.setTimeout(checked.timeout);
  return socket;
}

/**
 * A server of SEQPACKET connections: `'connection'` gets a {@link VsockMessageSocket}. Throws
 * `ERR_VMCI_UNSUPPORTED` at construction when the transport has no SEQPACKET.
 */
export class VsockSeqpacketServer extends VsockServer<VsockMessageSocket> {
  constructor(
    options: Omit<ServerOptions, 'allowHalfOpen'> = {},
    onConnection?: (socket: VsockMessageSocket) => void,
  ) {
    super(options, onConnection);
    requireCapability(this.transport, 'listenSeqpacket');
  }

  protected override startListener(
    request: TransportListenRequest,
    handlers: TransportListenHandlers<VsockMessageSocket>,
  ): Promise<TransportListener> {
    const { transport } = this;
    requireCapability(transport, 'listenSeqpacket');
    return transport.listenSeqpacket(request, handlers);
  }

  protected override async startFdListener(
    request: TransportFdListenRequest,
    handlers: TransportListenHandlers<VsockMessageSocket>,
  ): Promise<TransportListener> {
    const { transport } = this;
    requireCapability(transport, 'listenSeqpacketFd');
    return transport.listenSeqpacketFd(request, handlers);
  }
}

/**
 * A SEQPACKET server, as {@link createServer} for streams: each connection is a
 * {@link VsockMessageSocket}. Throws `ERR_VMCI_UNSUPPORTED` when the transport has no SEQPACKET.
 */
export function createSeqpacketServer(
  options?: Omit<ServerOptions, 'allowHalfOpen'> | ((socket: VsockMessageSocket) => void),
  onConnection?: (socket: VsockMessageSocket) => void,
): VsockSeqpacketServer {
  if (typeof options === 'function')
    return new VsockSeqpacketServer({ transport: defaultTransport() }, options);
  return new VsockSeqpacketServer(options ?? {}, onConnection);
}
