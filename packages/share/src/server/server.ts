/**
 * The share server: a directory served as 9P2000.L to every connection a vsock listener (on any
 * Transport) accepts — or to any Duplex handed to {@link ShareServer.handle}.
 */
import type { Duplex } from 'node:stream';
import {
  createServer,
  type Transport,
  VmciError,
  type VsockAddress,
  type VsockServer,
  type VsockSocket,
} from '@vmci/sockets';
import { ShareRoot } from './root.js';
import { minMessageSize, ShareSession } from './session.js';

/** Options of {@link createShareServer}. */
export interface ShareServerOptions {
  /** The directory to share. Nothing outside it is reachable. */
  readonly root: string;
  /** Refuse every change (writes, creates, renames, removes, setattr) with EROFS. */
  readonly readOnly?: boolean;
  /**
   * Serve file systems mounted beneath the root too (default false: a walk onto a mount point is
   * EXDEV, so a share stays on the file system of its root, like an NFS export without
   * `crossmnt`).
   */
  readonly crossMounts?: boolean;
  /**
   * CIDs that may attach (`Tattach` from others gets EACCES). Omitted: every peer the transport
   * lets connect.
   */
  readonly allowFrom?: readonly number[];
  /**
   * The largest msize agreed in Tversion, in bytes (default 512 KiB, at least 4096): one message's
   * buffer on each side. The kernel's fd transport accepts up to 1 MiB.
   */
  readonly maxMessageSize?: number;
  /** Fids one connection may hold at once (each holds a descriptor; default 4096). */
  readonly maxFids?: number;
  /** The transport to listen on (default: `@vmci/sockets`' default transport). */
  readonly transport?: Transport;
}

/** The default largest msize. */
export const defaultMaxMessageSize = 512 * 1024;

/** A running share: listen on vsock, or serve any connected stream. */
export class ShareServer {
  readonly root: ShareRoot;
  private readonly sessions = new Set<ShareSession>();
  private readonly sockets = new Set<Duplex>();
  private server: VsockServer | undefined;
  private readonly allowFrom: ReadonlySet<number> | undefined;
  private readonly maxMessageSize: number;

  constructor(private readonly options: ShareServerOptions) {
    const max = options.maxMessageSize ?? defaultMaxMessageSize;
    if (!Number.isInteger(max) || max < minMessageSize || max > 0xffffffff)
      throw new VmciError(
        'ERR_OUT_OF_RANGE',
        `maxMessageSize must be an integer from ${minMessageSize} to 4294967295; got ${max}`,
      );
    const maxFids = options.maxFids ?? 4096;
    if (!Number.isInteger(maxFids) || maxFids < 1)
      throw new VmciError('ERR_OUT_OF_RANGE', `maxFids must be a positive integer; got ${maxFids}`);
    for (const cid of options.allowFrom ?? [])
      if (!Number.isInteger(cid) || cid < 0 || cid > 0xffffffff)
        throw new VmciError(
          'ERR_VMCI_INVALID_ADDRESS',
          `allowFrom: ${cid} is not a CID (0 to 4294967295)`,
        );
    this.maxMessageSize = max;
    this.allowFrom = options.allowFrom ? new Set(options.allowFrom) : undefined;
    this.root = new ShareRoot(options.root);
  }

  /** Connections being served. */
  get connections(): number {
    return this.sockets.size;
  }

  /** Listens on vsock `port` (0 or omitted: any free port); resolves with the bound address. */
  async listen(port = 0, cid?: number): Promise<VsockAddress> {
    if (this.server)
      throw new VmciError('ERR_SERVER_ALREADY_LISTEN', 'the share is already listening');
    const server = createServer(
      this.options.transport ? { transport: this.options.transport } : {},
      (socket) => this.handle(socket as unknown as VsockSocket),
    );
    this.server = server;
    return server.listenAsync({ port, ...(cid === undefined ? {} : { cid }) });
  }

  /**
   * Serves 9P on an already-connected stream (`peerCid` for the allowlist; a VsockSocket's own
   * `remoteCid` is used when not given).
   */
  handle(stream: Duplex, peerCid?: number): void {
    const session = new ShareSession({
      root: this.root,
      readOnly: this.options.readOnly ?? false,
      crossMounts: this.options.crossMounts ?? false,
      allowFrom: this.allowFrom,
      peerCid: peerCid ?? (stream as Partial<VsockSocket>).remoteCid,
      maxMessageSize: this.maxMessageSize,
      maxFids: this.options.maxFids ?? 4096,
    });
    this.sessions.add(session);
    this.sockets.add(stream);
    const finish = () => {
      session.dispose();
      this.sessions.delete(session);
      this.sockets.delete(stream);
    };
    stream.on('data', (chunk: Buffer) => {
      const output = session.receive(chunk);
      let full = false;
      for (const reply of output.replies) full = !stream.write(reply) || full;
      if (output.close) {
        finish();
        stream.destroy();
      } else if (full) {
        // Backpressure: read no more requests until the replies have gone out.
        stream.pause();
        stream.once('drain', () => stream.resume());
      }
    });
    stream.on('error', () => finish());
    stream.on('close', finish);
    stream.on('end', () => stream.end());
  }

  /** Stops listening, closes every connection and the root descriptor. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const stream of this.sockets) stream.destroy();
    for (const session of this.sessions) session.dispose();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    this.root.close();
  }
}

/** Creates a share server for a directory (see {@link ShareServerOptions}). */
export function createShareServer(options: ShareServerOptions): ShareServer {
  return new ShareServer(options);
}
