/**
 * SEQPACKET API: `connectSeqpacket()` and `createSeqpacketServer()` — message sockets with
 * boundaries kept, over any transport.
 */
import { VmciError } from '@vmci/ffi';
import { resolveCid, resolvePort } from './address.js';
import { type ConnectOptions, checkBufferSize } from './connect.js';
import { defaultTransport } from './default-transport.js';
import type { VsockMessageSocket } from './message-socket.js';
import { type ServerOptions, VsockServer } from './server.js';
import type { TransportListener, TransportListenRequest } from './transport.js';

export type SeqpacketConnectOptions = Omit<ConnectOptions, 'timeout' | 'allowHalfOpen'>;

/** Connects a SEQPACKET socket. */
export async function connectSeqpacket(
  options: SeqpacketConnectOptions,
): Promise<VsockMessageSocket> {
  if (typeof options !== 'object' || options === null) {
    throw new VmciError(
      'ERR_VMCI_INVALID_ARGUMENT',
      'connectSeqpacket() takes an options object: { cid, port }',
    );
  }
  const cid = resolveCid(options.cid);
  const port = resolvePort(options.port);
  if (options.bufferSize !== undefined) checkBufferSize(options.bufferSize);
  options.signal?.throwIfAborted();
  const transport = options.transport ?? defaultTransport();
  return transport.connectSeqpacket({
    cid,
    port,
    ...(options.connectTimeout !== undefined ? { timeout: options.connectTimeout } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.bufferSize !== undefined ? { bufferSize: options.bufferSize } : {}),
  });
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

export function createSeqpacketServer(
  options?: Omit<ServerOptions, 'allowHalfOpen'> | ((socket: VsockMessageSocket) => void),
  onConnection?: (socket: VsockMessageSocket) => void,
): VsockSeqpacketServer {
  if (typeof options === 'function')
    return new VsockSeqpacketServer({ transport: defaultTransport() }, options);
  return new VsockSeqpacketServer(options ?? {}, onConnection);
}
