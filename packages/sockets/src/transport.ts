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
import type { VsockAddress } from './address.js';
import type { DatagramChannel } from './datagram-channel.js';
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
  /** An open listening socket to serve instead of binding one (transports with descriptors). */
  readonly fd?: number;
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

/**
 * The seam every socket feature is written against: connect and listen for streams and
 * SEQPACKET, bind datagrams, and this end's CID. The kernel, the hybrid-vsock and the testkit's
 * transports implement it; `@vmci/conformance` checks that they behave the same.
 */
export interface Transport {
  /** Short name for diagnostics (`kernel/pipe`, `kernel/poll`, `fake`). */
  readonly name: string;
  /** This endpoint's context id. */
  localCid(): number;
  connect(request: TransportConnectRequest): Promise<VsockSocket>;
  listen(
    request: TransportListenRequest,
    handlers: { connection(socket: VsockSocket): void; error(error: Error): void },
  ): Promise<TransportListener>;
  /** SEQPACKET: a connected message socket. */
  connectSeqpacket(request: TransportConnectRequest): Promise<VsockMessageSocket>;
  listenSeqpacket(
    request: TransportListenRequest,
    handlers: { connection(socket: VsockMessageSocket): void; error(error: Error): void },
  ): Promise<TransportListener>;
  /** DGRAM: a bound datagram endpoint (the kernel has them only on VMCI; ENODEV elsewhere). */
  bindDatagram(request: VsockAddress): Promise<DatagramChannel>;
}
