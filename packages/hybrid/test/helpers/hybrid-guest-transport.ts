/**
 * The guest side of the fake Firecracker muxer as a Transport, for running the conformance suite
 * against HybridVsockTransport: servers live in the "guest" (listeners registered on the muxer),
 * clients use the real HybridVsockTransport on the host. Unix sockets only, never AF_VSOCK.
 */
import { VmciError } from '@vmci/ffi';
import {
  CID_ANY,
  PORT_ANY,
  type Transport,
  type TransportConnectRequest,
  type TransportListener,
  type TransportListenRequest,
  type VsockSocket,
  wellKnownCids,
} from '@vmci/sockets';
import { HybridVsockSocket } from '../../src/index.js';
import type { FakeMuxer } from './hybrid-muxer.js';

/** Ports PORT_ANY picks from, as the kernel's ephemeral vsock ports (above 1023). */
const FIRST_EPHEMERAL_PORT = 1024;
const DEFAULT_BUFFER_SIZE = 262144;

const unsupported = (what: string) =>
  new VmciError('ERR_VMCI_UNSUPPORTED', `the fake muxer's guest side has no ${what}`);

/** The fake muxer's guest side as a Transport: listens in the "guest"; connects are unsupported. */
export class HybridGuestTransport implements Transport {
  readonly name = 'hybrid-guest (fake muxer)';
  private readonly sockets = new Set<VsockSocket>();
  private nextPort = FIRST_EPHEMERAL_PORT;

  constructor(
    private readonly muxer: FakeMuxer,
    readonly guestCid = 3,
  ) {}

  localCid(): number {
    return this.guestCid;
  }

  /** Accepted guest-side sockets still open, plus the guest listeners registered on the muxer. */
  openResources(): number {
    return this.sockets.size + this.muxer.guestListeners();
  }

  /** Guest → host connects are `muxer.guestConnect`; the suite's clients are on the host. */
  async connect(_request: TransportConnectRequest): Promise<VsockSocket> {
    throw unsupported('connect (the suite connects from the host)');
  }

  async listen(
    request: TransportListenRequest,
    handlers: { connection(socket: VsockSocket): void; error(error: Error): void },
  ): Promise<TransportListener> {
    const address = { cid: request.cid, port: request.port };
    if (request.cid !== CID_ANY && request.cid !== this.guestCid) {
      throw new VmciError('EADDRNOTAVAIL', `the guest is CID ${this.guestCid}`, { address });
    }
    const port = request.port === PORT_ANY ? this.freePort() : request.port;
    if (this.muxer.guestListening(port)) {
      throw new VmciError('EADDRINUSE', `the guest already listens on port ${port}`, {
        address,
        syscall: 'bind',
      });
    }
    const local = { cid: this.guestCid, port };
    const bufferSize = request.bufferSize ?? DEFAULT_BUFFER_SIZE;
    // Set to undefined by the first close(): a second one does nothing.
    let remove: (() => void) | undefined = this.muxer.guestListen(
      port,
      (raw, info) => {
        const socket = HybridVsockSocket.attach(
          raw,
          local,
          { cid: wellKnownCids.host, port: info.hostPort },
          bufferSize,
          { read: info.requestBytes, written: info.replyBytes },
        );
        this.sockets.add(socket);
        socket.once('close', () => this.sockets.delete(socket));
        handlers.connection(socket);
      },
      { allowHalfOpen: request.allowHalfOpen ?? false },
    );
    return {
      address: () => ({ cid: request.cid, port }),
      close: () => {
        remove?.();
        remove = undefined;
      },
      ref: () => {},
      unref: () => {},
    };
  }

  private freePort(): number {
    while (this.muxer.guestListening(this.nextPort)) this.nextPort++;
    return this.nextPort++;
  }
}
