/**
 * Backend A: the connected descriptor handed to libuv as a stream (`pipe_wrap`'s `Pipe.open`),
 * giving a genuine `net.Socket` — libuv's own reads, writes, backpressure and half-close.
 */
import net from 'node:net';
import { getBufferSizes, VmciError } from '@vmci/ffi';
import type { VsockAddress } from '../address.js';
import { validateSetTimeout } from '../arguments.js';
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

/** A `net.Socket` over a vsock descriptor, reporting vsock addresses. */
export class PipeVsockSocket extends net.Socket implements VsockSocket {
  private readonly fd: number;
  private readonly vsockLocal: VsockAddress;
  private readonly vsockRemote: VsockAddress;

  constructor(
    fd: number,
    local: VsockAddress,
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
    this.vsockLocal = local;
    this.vsockRemote = remote;
    // net.Socket defines these as prototype getters for IP ports; report the vsock ones instead.
    Object.defineProperties(this, {
      remotePort: {
        get: () => (this.destroyed ? undefined : this.vsockRemote.port),
        configurable: true,
      },
      localPort: {
        get: () => (this.destroyed ? undefined : this.vsockLocal.port),
        configurable: true,
      },
      ...vsockAddressProperties(
        () => this.vsockRemote.cid,
        () => this.vsockLocal.cid,
      ),
    });
  }

  declare readonly remotePort: number | undefined;
  declare readonly localPort: number | undefined;
  declare readonly remoteAddress: string | undefined;
  declare readonly remoteFamily: string | undefined;
  declare readonly localAddress: string | undefined;
  declare readonly localFamily: string | undefined;

  get remoteCid(): number | undefined {
    return this.destroyed ? undefined : this.vsockRemote.cid;
  }
  get localCid(): number | undefined {
    return this.destroyed ? undefined : this.vsockLocal.cid;
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

  override address(): VsockAddress | Record<string, never> {
    return this.destroyed ? {} : { ...this.vsockLocal };
  }
}
