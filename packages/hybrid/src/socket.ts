/**
 * A connection through a hybrid vsock device: a `net.Socket` over a Unix socket that reports the
 * vsock addresses of the connection it carries.
 */
import net from 'node:net';
import { VmciError } from '@vmci/ffi';
import type { VsockAddress } from '@vmci/sockets';
import {
  cannotTellFlushed,
  type VsockSocket,
  validateSetTimeout,
  vsockAddressProperties,
} from '@vmci/sockets/transport';

/** The stream buffer size sockets report when none was asked for (the vsock default). */
export const HYBRID_DEFAULT_BUFFER_SIZE = 262144;

interface HybridState {
  local: VsockAddress;
  remote: { cid: number; port: number | undefined };
  bufferSize: number;
}

const state = Symbol('hybridVsockState');

/** Bytes of a connection that belong to the VMM's handshake, not to the vsock stream. */
export interface HybridHandshakeBytes {
  /** Read before the stream began (`OK <hostport>\n` on the host end). */
  readonly read: number;
  /** Written before the stream began (`CONNECT <port>\n` on the host end). */
  readonly written: number;
}

const netBytesRead = Object.getOwnPropertyDescriptor(net.Socket.prototype, 'bytesRead')?.get;
const netBytesWritten = Object.getOwnPropertyDescriptor(net.Socket.prototype, 'bytesWritten')?.get;

/**
 * A `net.Socket` over the Unix socket of a Firecracker / cloud-hypervisor hybrid vsock device,
 * reporting vsock addresses: `remoteCid` is the guest's CID, `localCid` is 2 (the host).
 *
 * Sockets accepted by a hybrid listener report `remotePort` as `undefined`: Firecracker does not
 * tell the host which guest port a guest-initiated connection came from.
 */
export class HybridVsockSocket extends net.Socket implements VsockSocket {
  private [state]!: HybridState;

  /** Not connected yet: {@link HybridVsockTransport} connects it and then calls `attach`. */
  constructor(options: { allowHalfOpen?: boolean } = {}) {
    super({ allowHalfOpen: options.allowHalfOpen ?? false });
  }

  /**
   * Gives a socket its vsock addresses. Sockets that `net.Server` accepted are turned into
   * `HybridVsockSocket`s here (they were created by net, not by our constructor).
   * @internal
   */
  static attach(
    socket: net.Socket,
    local: VsockAddress,
    remote: { cid: number; port: number | undefined },
    bufferSize: number,
    handshake: HybridHandshakeBytes = { read: 0, written: 0 },
  ): HybridVsockSocket {
    if (!(socket instanceof HybridVsockSocket))
      Object.setPrototypeOf(socket, HybridVsockSocket.prototype);
    const hybrid = socket as HybridVsockSocket;
    hybrid[state] = { local: { ...local }, remote: { ...remote }, bufferSize };
    // net.Socket defines these as prototype getters for IP ports; report the vsock ones instead.
    Object.defineProperties(hybrid, {
      remotePort: {
        get: () => (hybrid.destroyed ? undefined : hybrid[state].remote.port),
        configurable: true,
      },
      localPort: {
        get: () => (hybrid.destroyed ? undefined : hybrid[state].local.port),
        configurable: true,
      },
      ...vsockAddressProperties(
        () => hybrid[state].remote.cid,
        () => hybrid[state].local.cid,
      ),
      // The vsock stream's byte counts: net's count the handshake with the VMM too.
      bytesRead: {
        get: () => Math.max(0, (netBytesRead?.call(hybrid) ?? 0) - handshake.read),
        configurable: true,
      },
      bytesWritten: {
        get: () => Math.max(0, (netBytesWritten?.call(hybrid) ?? 0) - handshake.written),
        configurable: true,
      },
    });
    return hybrid;
  }

  declare readonly remotePort: number | undefined;
  // Optional as in net.Socket's types (`localPort?: number`): undefined once closed.
  declare readonly localPort?: number;
  declare readonly remoteAddress: string | undefined;
  declare readonly remoteFamily: string | undefined;
  declare readonly localAddress?: string;
  declare readonly localFamily?: string;

  get remoteCid(): number | undefined {
    return this.destroyed ? undefined : this[state]?.remote.cid;
  }

  get localCid(): number | undefined {
    return this.destroyed ? undefined : this[state]?.local.cid;
  }

  /** net's own setTimeout, after the check every vsock socket makes (the same errors everywhere). */
  override setTimeout(timeout: number, callback?: () => void): this {
    validateSetTimeout(timeout, callback);
    return super.setTimeout(timeout, callback);
  }

  /**
   * The stream buffer size asked for (default 262144). Nominal: the vsock buffers live in the
   * VMM (Firecracker's muxer), which the host cannot size through the Unix socket.
   */
  getBufferSize(): number {
    if (this.destroyed) throw new VmciError('ERR_VMCI_SOCKET_CLOSED', 'the socket is closed');
    return this[state]?.bufferSize ?? HYBRID_DEFAULT_BUFFER_SIZE;
  }

  /** Hybrid vsock cannot tell: the data's last hop is inside the VMM. */
  async flushed(_options?: { signal?: AbortSignal }): Promise<void> {
    throw cannotTellFlushed('hybrid vsock (the VMM forwards the data)');
  }

  /** `{ cid: 2, port }` of the host end, or `{}` once destroyed. */
  override address(): VsockAddress | Record<string, never> {
    const own = this[state];
    return this.destroyed || !own ? {} : { ...own.local };
  }
}
