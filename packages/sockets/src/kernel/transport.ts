/**
 * The kernel transport: AF_VSOCK through @vmci/ffi. Connects without the threadpool (non-blocking
 * connect + libuv poll), accepts on a poll of the listening descriptor, and hands connected
 * descriptors to backend A (libuv stream) or B (poll Duplex).
 */

import diagnostics from 'node:diagnostics_channel';
import {
  acceptConnection,
  adoptListeningSocket,
  bindSocket,
  closeSocket,
  connectSocket,
  createSocket,
  errorCodeOf,
  FdPoller,
  getLocalCID,
  listenSocket,
  localAddress,
  remoteAddress,
  setBufferSizes,
  setConnectTimeout,
  VmciError,
} from '@vmci/ffi';
import { CID_ANY, type VsockAddress } from '../address.js';
import { ChannelSocket } from '../channel-socket.js';
import { type BoundDatagramSocket, datagramSocketOf } from '../datagram-socket.js';
import { noteKernelConnect } from '../guest-to-guest.js';
import { VsockMessageSocket } from '../message-socket.js';
import type {
  Transport,
  TransportConnectRequest,
  TransportFdListenRequest,
  TransportListener,
  TransportListenHandlers,
  TransportListenRequest,
  VsockSocket,
} from '../transport.js';
import { detectBackend, type KernelBackend } from './backend.js';
import { FdChannel } from './fd-channel.js';
import { FdDatagramChannel } from './fd-datagram-channel.js';
import { FdMessageChannel } from './fd-message-channel.js';
import { PipeVsockSocket } from './pipe-socket.js';

/** Options of a {@link KernelTransport}. */
export interface KernelTransportOptions {
  /** Force a backend (default: detected, see `detectBackend`). */
  readonly backend?: KernelBackend;
}

/**
 * This end's address. A connected client's getsockname() reports VMADDR_CID_ANY (the kernel binds
 * it to "any"): report the real local CID (the local-CID ioctl) instead, as an accepted socket's is.
 */
function boundAddress(fd: number): VsockAddress {
  const { cid, port } = localAddress(fd);
  if (cid !== CID_ANY) return { cid, port };
  try {
    return { cid: getLocalCID(), port };
  } catch {
    return { cid, port }; // no /dev/vsock to ask: keep what the kernel said
  }
}

/**
 * This end's address, read when it is first asked for and then kept: most connections never ask,
 * and reading it at connect cost every connection a getsockname and every client an open, ioctl
 * and close of /dev/vsock. Read late, the CID is the one the VM has then (it changes when a VM is
 * migrated or restored from a snapshot; an open connection does not survive that anyway). The
 * socket asks only while it is not destroyed, i.e. while `fd` is still its descriptor.
 */
export function lazyLocalAddress(fd: number): () => VsockAddress {
  let address: VsockAddress | undefined;
  return () => {
    address ??= boundAddress(fd);
    return address;
  };
}

/**
 * The {@link Transport} over the kernel's AF_VSOCK, through @vmci/ffi: non-blocking descriptors,
 * connects without the threadpool, and streams on the `pipe` or `poll` backend.
 */
export class KernelTransport implements Transport {
  readonly backend: KernelBackend;
  readonly name: string;

  constructor(options: KernelTransportOptions = {}) {
    this.backend = options.backend ?? detectBackend().backend;
    this.name = `kernel/${this.backend}`;
  }

  localCid(): number {
    return getLocalCID();
  }

  /**
   * Wraps a connected descriptor; on failure the descriptor is closed. `poller` is the handle the
   * connect waited on (backend B only: the channel polls with it instead of making another).
   */
  private wrap(
    fd: number,
    allowHalfOpen: boolean | undefined,
    peer?: VsockAddress,
    poller?: FdPoller,
  ): VsockSocket {
    try {
      const local = lazyLocalAddress(fd);
      const remote = peer ?? (({ cid, port }) => ({ cid, port }))(remoteAddress(fd));
      const options = allowHalfOpen === undefined ? {} : { allowHalfOpen };
      // Backend A: no poll handle is left on the descriptor (connectSocket releases its own), so
      // libuv's stream takes it as it is; backend B's channel keeps the connect's handle, if any.
      if (this.backend === 'pipe') return new PipeVsockSocket(fd, local, remote, options);
      return new ChannelSocket(new FdChannel(fd, local, remote, poller), options);
    } catch (error) {
      closeSocket(fd);
      throw error;
    }
  }

  async connect(request: TransportConnectRequest): Promise<VsockSocket> {
    const { fd, poller } = await this.connectFd('stream', request, this.backend === 'poll');
    const peer = { cid: request.cid, port: request.port };
    return this.wrap(fd, request.allowHalfOpen, peer, poller);
  }

  async connectSeqpacket(request: TransportConnectRequest): Promise<VsockMessageSocket> {
    const { fd } = await this.connectFd('seqpacket', request, false);
    return this.wrapMessages(fd, { cid: request.cid, port: request.port });
  }

  async bindDatagram(request: VsockAddress): Promise<BoundDatagramSocket> {
    const fd = createSocket('dgram');
    try {
      bindSocket(fd, request);
      const { cid, port } = localAddress(fd);
      const channel = new FdDatagramChannel(fd, { cid, port });
      // Datagrams exist only on VMCI: a datagram to another guest is guest↔guest traffic.
      const send = channel.send.bind(channel);
      channel.send = (data, to) => {
        noteKernelConnect(
          to.cid,
          () => this.localCid(),
          () => true,
        );
        return send(data, to);
      };
      return datagramSocketOf(channel);
    } catch (error) {
      closeSocket(fd);
      throw error;
    }
  }

  private wrapMessages(fd: number, peer: VsockAddress): VsockMessageSocket {
    try {
      return new VsockMessageSocket(new FdMessageChannel(fd, boundAddress(fd), peer));
    } catch (error) {
      closeSocket(fd);
      throw error;
    }
  }

  /** A connected descriptor, and the poll handle its connect waited on when `keepPoll`. */
  private async connectFd(
    type: 'stream' | 'seqpacket',
    request: TransportConnectRequest,
    keepPoll: boolean,
  ): Promise<{ fd: number; poller: FdPoller | undefined }> {
    const fd = createSocket(type);
    const address = { cid: request.cid, port: request.port };
    let poller: FdPoller | undefined;
    try {
      if (request.timeout !== undefined) setConnectTimeout(fd, request.timeout);
      if (request.bufferSize !== undefined) setBufferSizes(fd, { size: request.bufferSize });
      // The kernel's "double bind connect": a bound port is kept as the source port.
      if (request.localPort !== undefined)
        bindSocket(fd, { cid: CID_ANY, port: request.localPort });
      const options = request.signal ? { signal: request.signal, keepPoll } : { keepPoll };
      poller = await connectSocket(fd, address, options);
      noteKernelConnect(request.cid, () => this.localCid());
    } catch (error) {
      closeSocket(fd); // closes a kept poll handle too
      throw error;
    }
    return { fd, poller };
  }

  async listen(
    request: TransportListenRequest,
    handlers: TransportListenHandlers<VsockSocket>,
  ): Promise<TransportListener> {
    return this.serve(this.bindListener('stream', request), handlers, (fd, peer) =>
      this.wrap(fd, request.allowHalfOpen, peer),
    );
  }

  async listenSeqpacket(
    request: TransportListenRequest,
    handlers: TransportListenHandlers<VsockMessageSocket>,
  ): Promise<TransportListener> {
    return this.serve(this.bindListener('seqpacket', request), handlers, (fd, peer) =>
      this.wrapMessages(fd, peer),
    );
  }

  /** Serves an open listening stream socket (systemd socket activation, an inherited one). */
  async listenFd(
    request: TransportFdListenRequest,
    handlers: TransportListenHandlers<VsockSocket>,
  ): Promise<TransportListener> {
    return this.serve(this.adoptListener('stream', request), handlers, (fd, peer) =>
      this.wrap(fd, request.allowHalfOpen, peer),
    );
  }

  /** Serves an open listening SEQPACKET socket. */
  async listenSeqpacketFd(
    request: TransportFdListenRequest,
    handlers: TransportListenHandlers<VsockMessageSocket>,
  ): Promise<TransportListener> {
    return this.serve(this.adoptListener('seqpacket', request), handlers, (fd, peer) =>
      this.wrapMessages(fd, peer),
    );
  }

  /** A new listening descriptor bound to the request's address. */
  private bindListener(type: 'stream' | 'seqpacket', request: TransportListenRequest): number {
    const fd = createSocket(type);
    try {
      if (request.bufferSize !== undefined) setBufferSizes(fd, { size: request.bufferSize });
      bindSocket(fd, { cid: request.cid, port: request.port });
      // vsock has no SYN retry: a full backlog resets the connect (ECONNRESET). Default to a
      // deep queue (the kernel caps it at net.core.somaxconn).
      listenSocket(fd, request.backlog ?? 4096);
    } catch (error) {
      closeSocket(fd);
      throw error;
    }
    return fd;
  }

  /** The handed-over descriptor, checked before it becomes ours (a refused one stays the caller's). */
  private adoptListener(type: 'stream' | 'seqpacket', request: TransportFdListenRequest): number {
    adoptListeningSocket(request.fd, type);
    try {
      if (request.bufferSize !== undefined)
        setBufferSizes(request.fd, { size: request.bufferSize });
    } catch (error) {
      closeSocket(request.fd);
      throw error;
    }
    return request.fd;
  }

  /** Accepts on the listening descriptor `fd` (ours from now on) until the listener closes. */
  private async serve<S>(
    fd: number,
    handlers: TransportListenHandlers<S>,
    wrapAccepted: (fd: number, peer: VsockAddress) => S,
  ): Promise<TransportListener> {
    let poller: FdPoller;
    try {
      poller = new FdPoller(fd);
    } catch (error) {
      closeSocket(fd);
      throw error;
    }
    const bound = localAddress(fd);
    let closed = false;
    let referenced = true;
    const outOfDescriptors = new DescriptorBackoff(fd, () => {
      if (!closed) poller.start({ readable: true }, acceptAll);
    });
    const acceptAll = () => {
      while (!closed) {
        let accepted: ReturnType<typeof acceptConnection>;
        try {
          accepted = acceptConnection(fd);
        } catch (error) {
          if (isOutOfDescriptors(error)) {
            // The connection stays queued and the listener readable: polling on would spin.
            poller.stop();
            outOfDescriptors.wait(error as Error, referenced);
            return;
          }
          // Anything else: report, keep listening (like net.Server).
          handlers.error(error as Error);
          return;
        }
        if (!accepted) {
          outOfDescriptors.caughtUp();
          return;
        }
        outOfDescriptors.served();
        let socket: S;
        try {
          socket = wrapAccepted(accepted.fd, {
            cid: accepted.address.cid,
            port: accepted.address.port,
          });
        } catch (error) {
          handlers.error(error as Error);
          continue;
        }
        handlers.connection(socket);
      }
    };
    poller.start({ readable: true }, acceptAll);
    return {
      address: () => ({ cid: bound.cid, port: bound.port }),
      close: () => {
        if (closed) return;
        closed = true;
        outOfDescriptors.cancel();
        poller.close();
        closeSocket(fd);
      },
      ref: () => {
        referenced = true;
        poller.ref();
        outOfDescriptors.setRef(true);
      },
      unref: () => {
        referenced = false;
        poller.unref();
        outOfDescriptors.setRef(false);
      },
    };
  }
}

const isOutOfDescriptors = (error: unknown) => {
  const code = errorCodeOf(error);
  return code === 'EMFILE' || code === 'ENFILE';
};

const backoffChannel = diagnostics.channel('vmci:listener:backoff');

/**
 * At the descriptor limit `accept4` fails with EMFILE while the connection stays queued, so the
 * listener stays readable: polling on would spin (libuv's answer for `net`, a reserve descriptor
 * that it closes to accept and drop the connection, loses the connection). Instead the listener
 * stops polling and tries again after a backoff (20 ms doubling to 1 s) until a descriptor is
 * free; queued connections wait in the kernel's backlog and are served then. One warning per
 * episode — from the first EMFILE until the backlog is empty again — (`process.emitWarning`, code
 * `VMCI_OUT_OF_DESCRIPTORS`), no 'error': the server did nothing wrong and recovers by itself.
 * Each retry is published on the diagnostics channel `vmci:listener:backoff` as
 * `{ fd, delayMs, code }`, so that a test or a monitor can see the listener back off, not spin.
 */
export class DescriptorBackoff {
  /** Backoff bounds (ms). */
  static readonly first = 20;
  static readonly last = 1000;
  private delay = 0;
  private timer: NodeJS.Timeout | undefined;
  private inEpisode = false;

  constructor(
    private readonly fd: number,
    private readonly retry: () => void,
  ) {}

  wait(error: Error, referenced: boolean): void {
    if (!this.inEpisode) {
      this.inEpisode = true;
      process.emitWarning(
        `vsock listener (descriptor ${this.fd}) is out of file descriptors (${errorCodeOf(error)}): connections wait in the backlog until descriptors are closed; raise the limit (ulimit -n) or close idle connections`,
        { code: 'VMCI_OUT_OF_DESCRIPTORS' },
      );
    }
    this.delay = Math.min(
      this.delay === 0 ? DescriptorBackoff.first : this.delay * 2,
      DescriptorBackoff.last,
    );
    if (backoffChannel.hasSubscribers)
      backoffChannel.publish({ fd: this.fd, delayMs: this.delay, code: errorCodeOf(error) });
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.retry();
    }, this.delay);
    if (!referenced) this.timer.unref();
  }

  /** An accept succeeded: retry quickly if the limit is hit again. */
  served(): void {
    this.delay = 0;
  }

  /** The backlog is empty: the episode is over (the next one warns again). */
  caughtUp(): void {
    this.inEpisode = false;
  }

  setRef(ref: boolean): void {
    if (ref) this.timer?.ref();
    else this.timer?.unref();
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

export { VmciError };
