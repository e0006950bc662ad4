/**
 * HTTP over vsock: an `http.Agent` whose connections go to one vsock address, and a helper that
 * feeds a vsock server's connections to an `http.Server` (or `https`/`ws` server — anything that
 * takes `'connection'` events).
 */
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { type CidName, resolveCid, resolvePort, type VsockAddress } from './address.js';
import { validateConnectTimeout } from './arguments.js';
import { connect } from './connect.js';
import { createServer, type ListenOptions, type VsockServer } from './server.js';
import type { Transport } from './transport.js';

/** Options of a {@link VsockAgent}: `http.Agent`'s, plus the vsock address every request goes to. */
export interface VsockAgentOptions extends http.AgentOptions {
  readonly cid: number | CidName;
  readonly port: number;
  /** Connect timeout in ms. */
  readonly connectTimeout?: number;
  readonly transport?: Transport;
}

/** An `http.Agent` that connects every request to `cid:port` over vsock (the URL's host is only the Host header). */
export class VsockAgent extends http.Agent {
  readonly target: VsockAddress;
  private readonly transport: Transport | undefined;
  private readonly connectTimeout: number | undefined;

  constructor(options: VsockAgentOptions) {
    const { cid, port, transport, connectTimeout, ...agentOptions } = options;
    super(agentOptions);
    this.target = { cid: resolveCid(cid), port: resolvePort(port) };
    if (connectTimeout !== undefined) validateConnectTimeout(connectTimeout);
    this.transport = transport;
    this.connectTimeout = connectTimeout;
  }

  /**
   * `http.Agent`'s hook, in its callback form: the request gets the transport's own socket once
   * connected (no relay, unlike the socket `createConnection()` returns at once).
   */
  override createConnection(
    _options: unknown,
    callback: (error: Error | null, socket?: Duplex) => void,
  ): undefined {
    connect({
      ...this.target,
      ...(this.transport ? { transport: this.transport } : {}),
      ...(this.connectTimeout !== undefined ? { connectTimeout: this.connectTimeout } : {}),
    }).then(
      (socket) => callback(null, socket),
      (error: Error) => callback(error),
    );
    return undefined;
  }
}

/** Anything that serves connections handed to it through a `'connection'` event. */
export interface ConnectionConsumer {
  emit(event: 'connection', socket: Duplex): boolean;
}

/**
 * Listens on vsock and hands every connection to `server` (an `http.Server`, `https.Server`,
 * `tls.Server`…). Close the returned vsock server to stop listening.
 */
export function serveOverVsock(
  server: ConnectionConsumer,
  options: ListenOptions & { transport?: Transport } = {},
): VsockServer {
  const { transport, ...listenOptions } = options;
  const vsock = createServer(transport ? { transport } : {}, (socket) =>
    server.emit('connection', socket),
  );
  vsock.listen(listenOptions);
  return vsock;
}
