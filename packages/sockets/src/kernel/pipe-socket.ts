/**
 * Backend A: the connected descriptor handed to libuv as a stream (`pipe_wrap`'s `Pipe.open`),
 * giving a genuine `net.Socket` — libuv's own reads, writes, backpressure and half-close.
 */
import net from 'node:net';
import { getBufferSizes, unsentBytes, VmciError, writeFrom } from '@vmci/ffi';
import type { VsockAddress } from '../address.js';
import { validateSetTimeout } from '../arguments.js';
import { waitUntilFlushed } from '../flushed.js';
import { vsockAddressProperties } from '../net-socket-addresses.js';
import type { VsockSocket } from '../transport.js';

interface PipeHandle {
  open(fd: number): number;
}
interface PipeBinding {
  Pipe: new (type: number) => PipeHandle;
  constants: { SOCKET: number };
}

let binding: PipeBinding | undefined;

/** Loads `pipe_wrap`; throws when this Node does not allow it (then backend B is used). */
export function pipeBinding(): PipeBinding {
  if (binding) return binding;
  const processWithBinding = process as unknown as { binding(name: string): unknown };
  binding = processWithBinding.binding('pipe_wrap') as PipeBinding;
  if (typeof binding?.Pipe !== 'function' || typeof binding.constants?.SOCKET !== 'number') {
    binding = undefined;
    throw new Error('pipe_wrap has no Pipe');
  }
  return binding;
}

/** How often queued writes check whether the peer is still there (see `watchStalledWrites`). */
export const stalledWriteProbeMs = 500;

/**
 * Whether the peer can still take data: a zero-length send writes nothing, but the kernel fails it
 * with EPIPE at once when the peer has closed (vsock checks the peer's shutdown before anything
 * else). Returns that error, or undefined while the peer is there.
 */
function peerGone(fd: number): Error | undefined {
  try {
    writeFrom(fd, Buffer.alloc(0));
    return undefined;
  } catch (error) {
    return error as Error;
  }
}

/**
 * A `net.Socket` over a vsock descriptor, reporting vsock addresses. `local` is asked for this
 * end's address when someone first wants it (see `lazyLocalAddress`), never after the socket is
 * destroyed.
 */
export class PipeVsockSocket extends net.Socket implements VsockSocket {
  private readonly fd: number;
  private readonly localOf: () => VsockAddress;
  private readonly vsockRemote: VsockAddress;
  private probeTimer: NodeJS.Timeout | undefined;

  constructor(
    fd: number,
    local: () => VsockAddress,
    remote: VsockAddress,
    options: { allowHalfOpen?: boolean } = {},
  ) {
    const { Pipe, constants } = pipeBinding();
    const handle = new Pipe(constants.SOCKET);
    const status = handle.open(fd);
    if (status < 0) {
      throw new VmciError(
        'ERR_VMCI_NOT_AVAILABLE',
        `libuv refused descriptor ${fd} (status ${status}); use the poll backend (VMCI_BACKEND=poll)`,
      );
    }
    // libuv owns the descriptor from here: destroying the socket closes it.
    super({
      handle,
      allowHalfOpen: options.allowHalfOpen ?? false,
      readable: true,
      writable: true,
    } as net.SocketConstructorOpts);
    this.fd = fd;
    this.localOf = local;
    this.vsockRemote = remote;
    // A peer that closes while we have writes queued is never reported writable again (the
    // kernel keeps its credit at zero), so libuv would wait forever: check on 'end', and while
    // writes make no progress.
    this.on('end', () => this.checkPeer());
  }

  // net.Socket defines the address members as prototype getters for IP ports; these report the
  // vsock ones, defined once on this prototype (not per socket: a connection costs less).
  static {
    Object.defineProperties(PipeVsockSocket.prototype, {
      remotePort: {
        get(this: PipeVsockSocket) {
          return this.destroyed ? undefined : this.vsockRemote.port;
        },
        configurable: true,
      },
      localPort: {
        get(this: PipeVsockSocket) {
          return this.destroyed ? undefined : this.localOf().port;
        },
        configurable: true,
      },
      ...vsockAddressProperties<PipeVsockSocket>(
        (socket) => socket.vsockRemote.cid,
        (socket) => socket.localOf().cid,
      ),
    });
  }

  override _write(
    chunk: Buffer,
    encoding: BufferEncoding,
    callback: (error?: Error | null) => void,
  ): void {
    super._write(chunk, encoding, callback);
    this.watchStalledWrites();
  }

  override _writev(
    chunks: { chunk: Buffer; encoding: BufferEncoding }[],
    callback: (error?: Error | null) => void,
  ): void {
    super._writev?.(chunks, callback);
    this.watchStalledWrites();
  }

  /**
   * While writes are queued, checks the peer every `stalledWriteProbeMs` (the check writes nothing,
   * so a healthy peer costs one syscall per period and nothing else). A write the kernel took at
   * once leaves nothing queued and starts no timer (a relay's small writes would each start one).
   */
  private watchStalledWrites() {
    if (this.probeTimer || this.destroyed || this.writableLength === 0) return;
    this.probeTimer = setInterval(() => {
      if (this.destroyed || this.writableLength === 0) this.stopWatching();
      else this.checkPeer();
    }, stalledWriteProbeMs);
    this.probeTimer.unref();
  }

  private stopWatching() {
    if (this.probeTimer) clearInterval(this.probeTimer);
    this.probeTimer = undefined;
  }

  /** Destroys the socket with the kernel's error (EPIPE) when the peer is gone and writes wait. */
  private checkPeer() {
    if (this.destroyed || this.writableLength === 0) return;
    const error = peerGone(this.fd);
    if (error) {
      this.stopWatching();
      this.destroy(error);
    }
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.stopWatching();
    super._destroy(error, callback);
  }

  /**
   * Discards queued writes and closes at once (net's version accepts only TCP handles). vsock has
   * no reset on close: the peer sees end of stream, and EPIPE if it writes (Linux 6.1 and 6.12,
   * `SO_LINGER` makes no difference).
   */
  override resetAndDestroy(): this {
    return this.destroy();
  }

  declare readonly remotePort: number | undefined;
  // Optional as in net.Socket's types (`localPort?: number`): undefined once closed.
  declare readonly localPort?: number;
  declare readonly remoteAddress: string | undefined;
  declare readonly remoteFamily: string | undefined;
  declare readonly localAddress?: string;
  declare readonly localFamily?: string;

  get remoteCid(): number | undefined {
    return this.destroyed ? undefined : this.vsockRemote.cid;
  }
  get localCid(): number | undefined {
    return this.destroyed ? undefined : this.localOf().cid;
  }
  /** net's own setTimeout, after the check every vsock socket makes (the same errors everywhere). */
  override setTimeout(timeout: number, callback?: () => void): this {
    validateSetTimeout(timeout, callback);
    return super.setTimeout(timeout, callback);
  }

  getBufferSize(): number {
    if (this.destroyed) throw new VmciError('ERR_VMCI_SOCKET_CLOSED', 'the socket is closed');
    return getBufferSizes(this.fd).size;
  }

  /** See {@link VsockSocket.flushed}. */
  async flushed(options: { signal?: AbortSignal } = {}): Promise<void> {
    if (this.destroyed) throw new VmciError('ERR_VMCI_SOCKET_CLOSED', 'the socket is closed');
    await waitUntilFlushed(this, () => unsentBytes(this.fd), options.signal);
  }

  override address(): VsockAddress | Record<string, never> {
    return this.destroyed ? {} : { ...this.localOf() };
  }
}
