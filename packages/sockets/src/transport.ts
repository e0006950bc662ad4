/**
 * The Transport: the seam every socket feature is written against. The kernel transport (AF_VSOCK
 * through @vmci/ffi) and the testkit's fake hypervisor implement it; the same conformance suite
 * runs against both.
 *
 * A transport hands out connected streams as {@link VsockSocket}s — `net.Socket`-compatible
 * Duplexes with vsock addresses — and listeners that deliver accepted ones.
 */
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import { VmciError } from '@vmci/ffi';
import type { VsockAddress } from './address.js';
import type { BoundDatagramSocket } from './datagram-socket.js';
import type { VsockMessageSocket } from './message-socket.js';

/**
 * The `net.Socket` surface plus vsock addressing — assignable to `net.Socket` (and so to what
 * `http`, `tls`, `ws` and undici take) without casts. `'close'` passes `hadError` (true when the
 * socket was destroyed by an error), as net's does.
 */
export interface VsockSocket extends Duplex {
  /** Not for vsock sockets: they are connected by `connect()` / `createConnection()` (throws). */
  connect: net.Socket['connect'];
  /** Always empty: vsock has no address families to try. */
  readonly autoSelectFamilyAttemptedAddresses: string[];
  /** `writableLength` (net's deprecated alias). */
  readonly bufferSize: number;
  /** The idle timeout set by `setTimeout`, as net's (undefined when none was set). */
  readonly timeout?: number;
  readonly remoteCid: number | undefined;
  readonly remotePort: number | undefined;
  readonly localCid: number | undefined;
  // The local* members are optional, as in net.Socket's types, so that a VsockSocket is a
  // net.Socket also where `exactOptionalPropertyTypes` is on; they are undefined once closed.
  readonly localPort?: number;
  /** The peer as `vsock:<cid>` (e.g. `vsock:3`), as `net.Socket#remoteAddress`; undefined once closed. */
  readonly remoteAddress: string | undefined;
  /** `'AF_VSOCK'` while connected (net's is `'IPv4'`/`'IPv6'`). */
  readonly remoteFamily: string | undefined;
  /** This end as `vsock:<cid>` (the real local CID, never VMADDR_CID_ANY). */
  readonly localAddress?: string;
  readonly localFamily?: string;
  /** `{ cid, port }` of this end (`net.Socket#address()` for vsock). */
  address(): VsockAddress | Record<string, never>;
  readonly bytesRead: number;
  readonly bytesWritten: number;
  readonly connecting: boolean;
  readonly pending: boolean;
  readonly readyState: 'opening' | 'open' | 'readOnly' | 'writeOnly' | 'closed';
  /** Emits `'timeout'` after `timeout` ms of inactivity (0 disables); the socket stays open. */
  setTimeout(timeout: number, callback?: () => void): this;
  setNoDelay(noDelay?: boolean): this;
  setKeepAlive(enable?: boolean, initialDelay?: number): this;
  ref(): this;
  unref(): this;
  destroySoon(): void;
  resetAndDestroy(): this;
  /** The connection's stream buffer size in bytes (what the transport really applied). */
  getBufferSize(): number;
  /**
   * Resolves once the peer has every byte written so far: this socket's write queue is empty and
   * the transport has handed everything to the peer (on the kernel: `SIOCOUTQ` is 0 — the peer's
   * kernel holds the data; whether its application read it, only the peer can say). For a graceful
   * stop before a VM is powered off. Rejects with `ERR_VMCI_UNSUPPORTED` where the transport cannot
   * tell (the kernel before Linux 6.12, which has no `SIOCOUTQ` for vsock; hybrid vsock), with
   * `ERR_VMCI_SOCKET_CLOSED` when the socket is destroyed first, or with the signal's reason.
   */
  flushed(options?: { signal?: AbortSignal }): Promise<void>;
}

/** What {@link Transport.connect} is asked for: the peer, and the new socket's settings. */
export interface TransportConnectRequest {
  readonly cid: number;
  readonly port: number;
  /** Connect timeout in ms (the kernel's default is 2000). */
  readonly timeout?: number;
  readonly signal?: AbortSignal;
  readonly allowHalfOpen?: boolean;
  /** Stream buffer size in bytes (vsock's SO_VM_SOCKETS_BUFFER_SIZE; limits are moved to fit). */
  readonly bufferSize?: number;
  /** Bind this local port before connecting (none: the transport picks one). */
  readonly localPort?: number;
}

/**
 * What {@link Transport.listen} is asked for: the address to bind, and the accepted sockets'
 * settings.
 */
export interface TransportListenRequest {
  readonly cid: number;
  readonly port: number;
  readonly backlog?: number;
  readonly allowHalfOpen?: boolean;
  /** Buffer size accepted connections start with (they inherit the listener's). */
  readonly bufferSize?: number;
}

/**
 * What {@link Transport.listenFd} is asked for: an open listening socket to serve instead of
 * binding one (systemd socket activation, an inherited descriptor), and the accepted sockets'
 * settings. The listener owns the descriptor once it is accepted: closing the listener closes it.
 */
export interface TransportFdListenRequest {
  readonly fd: number;
  readonly allowHalfOpen?: boolean;
  /** Buffer size accepted connections start with (they inherit the listener's). */
  readonly bufferSize?: number;
}

/** A bound, listening endpoint. */
export interface TransportListener {
  /** The bound address (`port` resolved when PORT_ANY was asked for). */
  address(): VsockAddress;
  /**
   * Stops accepting; already accepted sockets stay open. A transport whose unbinding completes
   * later (e.g. in another process) returns a promise: the server's `'close'` waits for it, so a
   * connect made after `'close'` finds the port free.
   */
  close(): void | Promise<void>;
  ref(): void;
  unref(): void;
}

/** What a listener reports to: each accepted socket, and errors while accepting. */
export interface TransportListenHandlers<S> {
  connection(socket: S): void;
  error(error: Error): void;
}

/**
 * The seam every socket feature is written against. Every transport connects and listens for
 * streams and knows this end's CID; SEQPACKET and datagrams are optional capabilities, which a
 * transport that cannot carry them omits (hybrid vsock has streams only; the kernel has datagrams
 * only on VMCI and reports ENODEV elsewhere). The API functions that need a missing capability
 * throw `ERR_VMCI_UNSUPPORTED` naming the transport. Every method hands out sockets, never
 * channels: streams as {@link VsockSocket}s, SEQPACKET as {@link VsockMessageSocket}s, datagrams
 * as {@link BoundDatagramSocket}s. The kernel, the hybrid-vsock and the testkit's transports
 * implement it; `@vmci/sockets/transport` has the building blocks an implementation needs, and
 * `@vmci/conformance` checks that they behave the same.
 */
export interface Transport {
  /** Short name for diagnostics (`kernel/pipe`, `kernel/poll`, `hybrid`, `fake`). */
  readonly name: string;
  /** This endpoint's context id. */
  localCid(): number;
  connect(request: TransportConnectRequest): Promise<VsockSocket>;
  listen(
    request: TransportListenRequest,
    handlers: TransportListenHandlers<VsockSocket>,
  ): Promise<TransportListener>;
  /** SEQPACKET: a connected message socket. Absent where the transport has no SEQPACKET. */
  connectSeqpacket?(request: TransportConnectRequest): Promise<VsockMessageSocket>;
  /** SEQPACKET: a listener of message sockets. Absent where the transport has no SEQPACKET. */
  listenSeqpacket?(
    request: TransportListenRequest,
    handlers: TransportListenHandlers<VsockMessageSocket>,
  ): Promise<TransportListener>;
  /**
   * DGRAM: a datagram socket bound to `request` (PORT_ANY: any free port). Absent where the
   * transport has no datagrams.
   */
  bindDatagram?(request: VsockAddress): Promise<BoundDatagramSocket>;
  /**
   * Serves an open listening stream socket (`server.listen({ fd })`): transports with file
   * descriptors (the kernel's). A descriptor that is not a listening socket of the right type is
   * refused before the listener owns it.
   */
  listenFd?(
    request: TransportFdListenRequest,
    handlers: TransportListenHandlers<VsockSocket>,
  ): Promise<TransportListener>;
  /** {@link listenFd} for a SEQPACKET server. */
  listenSeqpacketFd?(
    request: TransportFdListenRequest,
    handlers: TransportListenHandlers<VsockMessageSocket>,
  ): Promise<TransportListener>;
}

/** The optional capabilities of a {@link Transport}. */
export type TransportCapability =
  | 'connectSeqpacket'
  | 'listenSeqpacket'
  | 'bindDatagram'
  | 'listenFd'
  | 'listenSeqpacketFd';

const streamsInstead =
  'use stream sockets (connect()/createServer()) over it, or a transport that has them';
const portInstead = "listen on a port instead, or use a transport with descriptors (the kernel's)";
/** What each capability is, and what to do without it. */
const capabilityNames: Record<TransportCapability, readonly [what: string, instead: string]> = {
  connectSeqpacket: ['SEQPACKET connections (connectSeqpacket)', streamsInstead],
  listenSeqpacket: ['SEQPACKET servers (createSeqpacketServer)', streamsInstead],
  bindDatagram: ['datagram sockets (createDatagramSocket)', streamsInstead],
  listenFd: ['descriptors to serve (listen({ fd }))', portInstead],
  listenSeqpacketFd: ['descriptors to serve (listen({ fd }) of a SEQPACKET server)', portInstead],
};

/**
 * Throws `ERR_VMCI_UNSUPPORTED` naming the transport unless it has `capability`; afterwards the
 * method is known to be there.
 */
export function requireCapability<C extends TransportCapability>(
  transport: Transport,
  capability: C,
): asserts transport is Transport & Required<Pick<Transport, C>> {
  if (typeof transport[capability] === 'function') return;
  const [what, instead] = capabilityNames[capability];
  throw new VmciError(
    'ERR_VMCI_UNSUPPORTED',
    `the '${transport.name}' transport has no ${what}: ${instead}`,
  );
}
