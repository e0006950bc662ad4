/**
 * Type-level test (compiled by `pnpm typecheck`, never run): our sockets go where `http`, `tls`,
 * `ws`, undici and `net`-typed APIs want a socket — without `as never` casts. A cast needed here
 * again is a regression of the public types.
 */
import http from 'node:http';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { Agent, type buildConnector } from 'undici';
import WebSocket from 'ws';
import { connect, createConnection, type VsockSocket } from '../src/index.js';
import type { PipeVsockSocket } from '../src/kernel/pipe-socket.js';
import type { ChannelSocket, ConnectingSocket } from '../src/transport-kit.js';

declare const socket: VsockSocket;
declare const channelSocket: ChannelSocket;
declare const connectingSocket: ConnectingSocket;
declare const pipeSocket: PipeVsockSocket;

export const asNetSocket: net.Socket[] = [socket, channelSocket, connectingSocket, pipeSocket];
export const asDuplex: Duplex = socket;

export function overTls(): tls.TLSSocket {
  return tls.connect({ socket, servername: 'vsock.test' });
}

export function toHttpServer(server: http.Server): boolean {
  return server.emit('connection', socket);
}

export function httpWithCreateConnection(): http.ClientRequest {
  return http.request({
    host: 'service.vsock',
    createConnection: () => createConnection({ cid: 'host', port: 8080 }),
  });
}

export function wsWithCreateConnection(): WebSocket {
  return new WebSocket('ws://service.vsock/', {
    createConnection: () => createConnection({ cid: 'host', port: 8080 }),
  });
}

export function undiciAgent(): Agent {
  const connector: buildConnector.connector = (_options, callback) => {
    connect({ cid: 'host', port: 8080 }).then(
      (connected) => callback(null, connected),
      (error: Error) => callback(error, null),
    );
  };
  return new Agent({ connect: connector });
}
