/**
 * What a conformance run is given: the transports, the CIDs that reach (or do not reach) the
 * server, a resource count that must return to its baseline, and what the transport can stage.
 */
import type { Transport } from '@vmci/sockets';

/** The transports a conformance run uses, and how a client reaches the server. */
export interface ConformanceTarget {
  /** The transport servers listen on. */
  readonly server: Transport;
  /** The transport clients connect from. */
  readonly client: Transport;
  /** The CID a client uses to reach the server's transport. */
  readonly serverCid: number;
  /** A CID where nobody answers. */
  readonly unreachableCid: number;
  /** Codes a connect to `unreachableCid` may fail with on this transport. */
  readonly unreachableCodes: readonly string[];
  /** A count of open resources (descriptors, channels) that must return to its baseline. */
  openResources(): number;
}

/** Makes a fresh target for each test (called in `beforeEach`). */
export type ConformanceSetup = () => ConformanceTarget | Promise<ConformanceTarget>;

/** What a transport can stage; tests that need a capability are defined only where it exists. */
export interface ConformanceCapabilities {
  /** A CID where connects hang until the connect timeout (the kernel's loopback has none). */
  readonly hangingCid?: number;
  /**
   * SEQPACKET exists (default true). Hybrid vsock (Firecracker, cloud-hypervisor) carries only
   * streams: its VMM muxer has no message sockets, so the seqpacket tests cannot run there.
   */
  readonly seqpacket?: boolean;
  /**
   * Stream buffer sizes are really applied, so `getBufferSize()` reports a size the transport set
   * (default true). On hybrid vsock the buffers live in the VMM, which the Unix socket cannot size:
   * the reported size only echoes what was asked for, so testing it would prove nothing.
   */
  readonly bufferSizes?: boolean;
  /**
   * A client can choose its local port (`connect({ localPort })`, default true). On hybrid vsock
   * the VMM assigns the host end's port, so a connect cannot ask for one.
   */
  readonly localPort?: boolean;
}
