/**
 * The hybrid vsock transport: Firecracker's and cloud-hypervisor's vsock device, whose host side
 * is a Unix socket rather than AF_VSOCK. Only Unix sockets are used here — never AF_VSOCK.
 *
 * Host-initiated: connect to `udsPath`, write `CONNECT <port>\n`, read `OK <hostport>\n`; the
 * connection then carries the guest listener's byte stream. Guest-initiated: a guest connecting
 * to the host (CID 2) port P makes the VMM connect to the Unix socket `<udsPath>_<P>`.
 */
import { lstatSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import { type ErrnoCode, errorCodeOf, VmciError } from '@vmci/ffi';
import { CID_ANY, isGuestCid, PORT_ANY, wellKnownCids } from '@vmci/sockets';
import type {
  Transport,
  TransportConnectRequest,
  TransportListener,
  TransportListenRequest,
  VsockSocket,
} from '@vmci/sockets/transport';
import { HYBRID_DEFAULT_BUFFER_SIZE, HybridVsockSocket } from './socket.js';

const HOST_CID = wellKnownCids.host;
/** The kernel's default vsock connect timeout, used when the request names none. */
const DEFAULT_CONNECT_TIMEOUT = 2000;
/** `OK 4294967295\r\n` and some slack: a longer line is not Firecracker talking. */
const MAX_REPLY_LINE = 32;
const NEWLINE = 0x0a;
/** Longest pause between connect attempts while the VMM's listen backlog is full (EAGAIN). */
const MAX_RETRY_DELAY = 50;

/** Options of a {@link HybridVsockTransport}. */
export interface HybridVsockTransportOptions {
  /**
   * The vsock device's Unix socket on the host (Firecracker's `uds_path`, cloud-hypervisor's
   * `--vsock socket=`). Host-initiated connections go to it; listeners bind `<udsPath>_<port>`.
   */
  readonly udsPath: string;
  /** The guest's CID as configured on the device (default 3); sockets report it as `remoteCid`. */
  readonly guestCid?: number;
}

/** Resolves once `server` listens on `path`, rejects with the listen error (e.g. EADDRINUSE). */
function listenOn(server: net.Server, path: string, backlog: number | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen({ path, backlog }, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/**
 * Whether the socket file at `path` is left over from a process that is gone: it is a socket and
 * connecting to it is refused. Anything else (a live listener, a regular file) is not stale.
 */
async function isStaleSocketFile(path: string): Promise<boolean> {
  try {
    if (!lstatSync(path).isSocket()) return false;
  } catch (error) {
    return errorCodeOf(error) === 'ENOENT'; // gone meanwhile: binding again will do
  }
  return new Promise((resolve) => {
    const probe = net.connect({ path });
    probe.once('connect', () => {
      probe.destroy();
      resolve(false);
    });
    probe.once('error', (error) => {
      probe.destroy();
      const code = errorCodeOf(error);
      resolve(code === 'ECONNREFUSED' || code === 'ENOENT');
    });
  });
}

/**
 * A {@link Transport} for the host side of a Firecracker / cloud-hypervisor "hybrid vsock"
 * device, reached through the Unix socket at `udsPath`. Use it as `transport` of `connect()`,
 * `createConnection()`, `createServer()`, `VsockAgent` or `serveOverVsock()`.
 *
 * - `connect({ cid: guestCid, port })` asks the VMM for a connection to the guest's listener on
 *   `port` (`CONNECT <port>\n` → `OK <hostport>\n`); a guest with nobody listening is a refused
 *   connect (`ECONNRESET`). `localPort` is the `<hostport>` the VMM assigned (asking for one
 *   is `ERR_VMCI_UNSUPPORTED`).
 * - `listen({ port })` listens on `<udsPath>_<port>`, where the VMM delivers guest connections to
 *   the host (CID 2) on `port`. Accepted sockets have `remoteCid` = `guestCid` and `remotePort`
 *   `undefined` (the VMM does not tell). A stale socket file is replaced; closing removes it.
 *   `PORT_ANY` is not possible (`ERR_VMCI_UNSUPPORTED`), nor is serving a descriptor (no `listenFd`).
 * - SEQPACKET and datagrams do not exist on hybrid vsock: the transport has neither capability, so
 *   `connectSeqpacket()`, `createSeqpacketServer()` and `createDatagramSocket()` throw
 *   `ERR_VMCI_UNSUPPORTED` naming it.
 *
 * @example
 * ```ts
 * const transport = new HybridVsockTransport({ udsPath: '/run/vm1/v.sock' });
 * const socket = await connect({ cid: 3, port: 52, transport });
 * ```
 */
export class HybridVsockTransport implements Transport {
  readonly name = 'hybrid';
  /** The vsock device's Unix socket. */
  readonly udsPath: string;
  /** The guest's CID. */
  readonly guestCid: number;

  constructor(options: HybridVsockTransportOptions) {
    if (typeof options?.udsPath !== 'string' || options.udsPath === '') {
      throw new VmciError(
        'ERR_VMCI_INVALID_ARGUMENT',
        'HybridVsockTransport needs udsPath: the Unix socket of the VM’s vsock device (Firecracker’s uds_path)',
      );
    }
    const guestCid = options.guestCid ?? 3;
    if (!isGuestCid(guestCid)) {
      throw new VmciError(
        'ERR_VMCI_INVALID_ARGUMENT',
        `guestCid must be a guest context id (an integer from 3 to ${CID_ANY - 1}), got ${String(guestCid)}`,
      );
    }
    this.udsPath = options.udsPath;
    this.guestCid = guestCid;
  }

  /** The host's CID, 2: this transport is always the host end of the device. */
  localCid(): number {
    return HOST_CID;
  }

  /** The Unix socket a listener on host `port` binds: `<udsPath>_<port>`. */
  listenPath(port: number): string {
    return `${this.udsPath}_${port}`;
  }

  /**
   * Connects to the guest's listener on `request.port` through the VMM's muxer. Rejects with a
   * `VmciError`: `ECONNRESET` (nobody listens in the guest), `ETIMEDOUT` (no answer within
   * `timeout`, default 2000 ms), `ERR_VMCI_PROTOCOL` (a reply that is not `OK <port>`),
   * `ENOENT`/`ECONNREFUSED` (no device at `udsPath`), or with the signal's reason. A full listen
   * backlog at `udsPath` (`EAGAIN`: the VMM has not accepted yet) is retried until the timeout, as
   * a vsock connect waits for the peer.
   */
  async connect(request: TransportConnectRequest): Promise<VsockSocket> {
    request.signal?.throwIfAborted();
    if (request.localPort !== undefined)
      throw new VmciError(
        'ERR_VMCI_UNSUPPORTED',
        'a hybrid vsock connect cannot choose its local port: the VMM assigns the host port (see localPort after connect)',
      );
    if (request.cid !== this.guestCid) {
      throw new VmciError(
        'ERR_VMCI_INVALID_ADDRESS',
        `this hybrid vsock device (${this.udsPath}) reaches only its guest, CID ${this.guestCid}; got CID ${request.cid}`,
        { address: { cid: request.cid, port: request.port } },
      );
    }
    const timeout =
      request.timeout !== undefined && Number.isFinite(request.timeout) && request.timeout >= 0
        ? request.timeout
        : DEFAULT_CONNECT_TIMEOUT;
    const address = { cid: request.cid, port: request.port };
    const { udsPath } = this;
    const bufferSize = request.bufferSize ?? HYBRID_DEFAULT_BUFFER_SIZE;
    const connectLine = Buffer.from(`CONNECT ${address.port}\n`, 'latin1');
    const newSocket = () =>
      new HybridVsockSocket(
        request.allowHalfOpen !== undefined ? { allowHalfOpen: request.allowHalfOpen } : {},
      );
    let socket = newSocket();

    return new Promise<VsockSocket>((resolve, reject) => {
      const signal = request.signal;
      let settled = false;
      let connected = false;
      let retry: NodeJS.Timeout | undefined;
      let retryDelay = 1;
      const line: number[] = [];

      const detach = () => {
        socket.off('connect', onConnect);
        socket.off('readable', onReadable);
        socket.off('end', onEnd);
        socket.off('close', onClose);
        socket.off('error', onError);
      };
      const cleanup = () => {
        clearTimeout(timer);
        clearTimeout(retry);
        signal?.removeEventListener('abort', onAbort);
        detach();
      };
      const fail = (error: unknown) => {
        if (settled) return;
        settled = true;
        cleanup();
        socket.destroy();
        reject(error);
      };
      const refused = (cause?: unknown) =>
        new VmciError(
          'ECONNRESET',
          `the guest (CID ${address.cid}) refused the connection to port ${address.port}: nothing listens there (the VMM closed ${udsPath} without OK)`,
          { address, syscall: 'connect', cause },
        );

      const onAbort = () => fail(signal?.reason);
      const onConnect = () => {
        connected = true;
        socket.write(connectLine);
      };
      const onEnd = () => fail(refused());
      const onClose = () => fail(refused());
      const onError = (error: Error) => {
        if (connected) return fail(refused(error));
        if (errorCodeOf(error) === 'EAGAIN') {
          // The VMM's listen backlog is full: try again shortly with a fresh socket.
          detach();
          socket.destroy();
          retry = setTimeout(() => {
            socket = newSocket();
            attempt();
          }, retryDelay);
          retryDelay = Math.min(retryDelay * 2, MAX_RETRY_DELAY);
          return;
        }
        // Node's system errors name the errno (ENOENT, ECONNREFUSED, …).
        const code = (errorCodeOf(error) as ErrnoCode | undefined) ?? 'ENODEV';
        fail(
          new VmciError(
            code,
            `no hybrid vsock device answers at ${udsPath} (${code}): is the VM running with this uds_path?`,
            { address, syscall: 'connect', cause: error },
          ),
        );
      };
      const onReadable = () => {
        // One byte at a time, so that whatever the guest sent after the OK line stays buffered
        // in the socket, in order, for the caller (and an end of stream right after OK is not
        // consumed here).
        for (;;) {
          if (settled) return;
          const byte = socket.read(1) as Buffer | null;
          if (byte === null) return;
          if (byte[0] !== NEWLINE) {
            line.push(byte[0] as number);
            if (line.length > MAX_REPLY_LINE) return fail(malformed(Buffer.from(line)));
            continue;
          }
          const text = Buffer.from(line).toString('latin1').replace(/\r$/, '');
          const match = /^OK ([0-9]{1,10})$/.exec(text);
          const hostPort = match ? Number(match[1]) : Number.NaN;
          if (!(hostPort >= 0 && hostPort <= 0xffffffff)) return fail(malformed(text));
          settled = true;
          cleanup();
          resolve(
            HybridVsockSocket.attach(
              socket,
              { cid: HOST_CID, port: hostPort },
              { cid: address.cid, port: address.port },
              bufferSize,
              // The CONNECT request and the OK reply (with its newline) are not stream bytes.
              { read: line.length + 1, written: connectLine.length },
            ),
          );
          return;
        }
      };
      const malformed = (reply: string | Buffer) =>
        new VmciError(
          'ERR_VMCI_PROTOCOL',
          `the hybrid vsock device at ${udsPath} answered CONNECT ${address.port} with ${JSON.stringify(
            reply.toString('latin1'),
          )}, not "OK <port>": is this a Firecracker / cloud-hypervisor vsock socket?`,
          { address },
        );

      const timer = setTimeout(
        () =>
          fail(
            new VmciError(
              'ETIMEDOUT',
              `the hybrid vsock device at ${udsPath} did not answer CONNECT ${address.port} within ${timeout} ms`,
              { address, syscall: 'connect' },
            ),
          ),
        timeout,
      );
      const attempt = () => {
        socket.on('connect', onConnect);
        socket.on('readable', onReadable);
        socket.on('end', onEnd);
        socket.on('close', onClose);
        socket.on('error', onError);
        socket.connect({ path: udsPath });
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      attempt();
    });
  }

  /**
   * Listens on `<udsPath>_<port>` for guest-initiated connections to host port `request.port`.
   * A stale socket file there (nothing listening) is replaced; a live listener or a file that is
   * not a socket is `EADDRINUSE`. Closing the listener removes the socket file.
   */
  async listen(
    request: TransportListenRequest,
    handlers: { connection(socket: VsockSocket): void; error(error: Error): void },
  ): Promise<TransportListener> {
    if (request.port === PORT_ANY) {
      throw new VmciError(
        'ERR_VMCI_UNSUPPORTED',
        `hybrid vsock cannot pick a port: the guest connects to a port it knows, which the VMM maps to ${this.udsPath}_<port>; pass listen({ port })`,
      );
    }
    if (request.cid !== CID_ANY && request.cid !== HOST_CID) {
      throw new VmciError(
        'ERR_VMCI_INVALID_ADDRESS',
        `a hybrid vsock listener is the host (CID 2); cannot bind CID ${request.cid}`,
        { address: { cid: request.cid, port: request.port } },
      );
    }
    const port = request.port;
    const path = this.listenPath(port);
    const bufferSize = request.bufferSize ?? HYBRID_DEFAULT_BUFFER_SIZE;
    const local = { cid: HOST_CID, port };
    const remote = { cid: this.guestCid, port: undefined };
    const server = net.createServer({ allowHalfOpen: request.allowHalfOpen ?? false });

    const inUse = (reason: string, cause?: unknown) =>
      new VmciError('EADDRINUSE', `cannot listen on host port ${port}: ${path} ${reason}`, {
        address: { cid: request.cid, port },
        syscall: 'bind',
        cause,
      });
    try {
      await listenOn(server, path, request.backlog);
    } catch (error) {
      if (errorCodeOf(error) !== 'EADDRINUSE') throw error;
      if (!(await isStaleSocketFile(path))) {
        let isSocket = false;
        try {
          isSocket = lstatSync(path).isSocket();
        } catch {}
        throw inUse(
          isSocket ? 'has a live listener' : 'exists and is not a socket (not removing it)',
          error,
        );
      }
      try {
        unlinkSync(path);
      } catch (unlinkError) {
        if (errorCodeOf(unlinkError) !== 'ENOENT') throw unlinkError;
      }
      await listenOn(server, path, request.backlog);
    }

    server.on('connection', (socket) => {
      handlers.connection(HybridVsockSocket.attach(socket, local, remote, bufferSize));
    });
    server.on('error', (error) => handlers.error(error));
    let closed = false;
    return {
      address: () => ({ cid: request.cid, port }),
      close: () => {
        if (closed) return;
        closed = true;
        server.close();
        // libuv unlinks a closed listener's path; make sure, without touching a replacement.
        try {
          if (lstatSync(path).isSocket()) unlinkSync(path);
        } catch {}
      },
      ref: () => {
        server.ref();
      },
      unref: () => {
        server.unref();
      },
    };
  }
}
