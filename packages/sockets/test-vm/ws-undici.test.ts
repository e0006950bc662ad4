/**
 * A ws WebSocket and undici's fetch over vsock on the real kernel (both backends).
 */
import { once } from 'node:events';
import http from 'node:http';
import { requireHarnessGuest } from '@vmci/ffi/harness';
import { Agent, fetch } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import {
  connect,
  createConnection,
  KernelTransport,
  serveOverVsock,
  VsockAgent,
} from '../src/index.js';

requireHarnessGuest();

describe.each(['pipe', 'poll'] as const)('ws and undici over vsock (%s backend)', (backend) => {
  const transport = new KernelTransport({ backend });
  const closers: (() => unknown)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  async function httpOverVsock(server: http.Server) {
    closers.push(() => server.close());
    const vsock = serveOverVsock(server, { transport });
    closers.push(() => vsock.close());
    await once(vsock, 'listening');
    return (vsock.address() as { port: number }).port;
  }

  it('exchanges WebSocket messages', async () => {
    const server = http.createServer();
    const wss = new WebSocketServer({ server });
    closers.push(() => wss.close());
    // The peer shows in the handler's request as net's remoteAddress does: vsock:<cid>.
    wss.on('connection', (socket, req) =>
      socket.on('message', (data) =>
        socket.send(`echo: ${data} from ${req.socket.remoteAddress} ${req.socket.remoteFamily}`),
      ),
    );
    const port = await httpOverVsock(server);
    const agent = new VsockAgent({ cid: 'local', port, transport });
    closers.push(() => agent.destroy());
    const client = new WebSocket('ws://service.vsock/', { agent });
    await once(client, 'open');
    client.send('ping');
    const [message] = await once(client, 'message');
    expect(String(message)).toBe('echo: ping from vsock:1 AF_VSOCK');
    client.close();
    await once(client, 'close');
  });

  it('opens a WebSocket through a createConnection that returns the socket at once', async () => {
    const server = http.createServer();
    const wss = new WebSocketServer({ server });
    closers.push(() => wss.close());
    wss.on('connection', (socket) => socket.on('message', (data) => socket.send(`echo: ${data}`)));
    const port = await httpOverVsock(server);
    const client = new WebSocket('ws://service.vsock/', {
      createConnection: () => createConnection({ cid: 'local', port, transport }),
    });
    await once(client, 'open');
    client.send('sync');
    const [message] = await once(client, 'message');
    expect(String(message)).toBe('echo: sync');
    client.close();
    await once(client, 'close');
  });

  it('fetches with undici through its connect option', async () => {
    const port = await httpOverVsock(
      http.createServer((req, res) => res.end(`hello ${req.headers.host}`)),
    );
    const dispatcher = new Agent({
      connect: (_options, callback) => {
        connect({ cid: 'local', port, transport }).then(
          (socket) => callback(null, socket),
          (error: Error) => callback(error, null),
        );
      },
    });
    closers.push(() => dispatcher.close());
    const response = await fetch('http://service.vsock/', { dispatcher });
    expect(await response.text()).toBe('hello service.vsock');
  });
});
