/**
 * What a `net` user reads off a socket, on the virtual hypervisor: the peer as `remoteAddress`
 * (also through Node's own http server, as `req.socket.remoteAddress`), the real local CID of a
 * client, and `'close'` with `hadError`.
 */
import { once } from 'node:events';
import http from 'node:http';
import {
  connect,
  createConnection,
  createServer,
  serveOverVsock,
  VsockAgent,
  type VsockSocket,
} from '@vmci/sockets';
import { describe, expect, it } from 'vitest';
import { useHypervisor } from '../src/vitest.js';

describe('net addresses and close on the testkit', () => {
  const hv = useHypervisor();

  it("shows the peer as req.socket.remoteAddress 'vsock:<cid>' in an http handler", async () => {
    const vm = hv().addVM({ cid: 3 });
    const api = http.createServer((req, res) =>
      res.end(
        JSON.stringify({
          address: req.socket.remoteAddress,
          family: req.socket.remoteFamily,
          port: req.socket.remotePort,
        }),
      ),
    );
    const vsock = serveOverVsock(api, { port: 8080, transport: hv().host.transport });
    await once(vsock, 'listening');
    const agent = new VsockAgent({ cid: 'host', port: 8080, transport: vm.transport });
    const body = await new Promise<string>((resolve, reject) => {
      http
        .get({ agent, host: 'agent.local', path: '/' }, (res) => {
          let text = '';
          res.on('data', (chunk) => {
            text += chunk;
          });
          res.on('end', () => resolve(text));
        })
        .on('error', reject);
    });
    const seen = JSON.parse(body) as { address: string; family: string; port: number };
    expect(seen.address).toBe('vsock:3');
    expect(seen.family).toBe('AF_VSOCK');
    expect(seen.port).toBeGreaterThan(0);
    agent.destroy();
    await new Promise((resolve) => vsock.close(resolve));
  });

  it("reports a client's real local CID, not VMADDR_CID_ANY", async () => {
    const vm = hv().addVM({ cid: 5 });
    const server = createServer({ transport: hv().host.transport }, (socket) => socket.end());
    const { port } = await server.listenAsync();
    const client = await connect({ cid: 'host', port, transport: vm.transport });
    expect(client.localCid).toBe(5);
    expect(client.localAddress).toBe('vsock:5');
    expect(client.address()).toEqual({ cid: 5, port: client.localPort });
    expect(client.remoteAddress).toBe('vsock:2');
    client.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('reports the local address through createConnection, and none once closed', async () => {
    const vm = hv().addVM({ cid: 6 });
    const server = createServer({ transport: hv().host.transport }, (socket) => socket.resume());
    const { port } = await server.listenAsync();
    const client = createConnection({ cid: 'host', port, transport: vm.transport });
    expect([client.localAddress, client.localPort, client.localFamily]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    await once(client, 'connect');
    expect(client.localAddress).toBe('vsock:6');
    expect(client.localFamily).toBe('AF_VSOCK');
    expect(client.address()).toEqual({ cid: 6, port: client.localPort });
    client.destroy();
    await once(client, 'close');
    expect([client.localAddress, client.localPort, client.localFamily]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    await new Promise((resolve) => server.close(resolve));
  });

  it("emits 'close' with hadError false after a clean end", async () => {
    const vm = hv().addVM({ cid: 3 });
    const server = createServer({ transport: hv().host.transport }, (socket) => socket.end('bye'));
    const { port } = await server.listenAsync();
    const client = await connect({ cid: 'host', port, transport: vm.transport });
    client.resume();
    const [hadError] = await once(client, 'close');
    expect(hadError).toBe(false);
    await new Promise((resolve) => server.close(resolve));
  });

  it("emits 'close' with hadError true when destroyed by an error", async () => {
    const vm = hv().addVM({ cid: 3 });
    const server = createServer({ transport: hv().host.transport });
    let accepted: VsockSocket | undefined;
    server.on('connection', (socket) => {
      accepted = socket;
    });
    const { port } = await server.listenAsync();
    const client = await connect({ cid: 'host', port, transport: vm.transport });
    const errors: Error[] = [];
    client.on('error', (error) => errors.push(error));
    // events.once would reject on the 'error' that comes first: listen for 'close' itself.
    const closed = new Promise<boolean>((resolve) => client.once('close', resolve));
    client.destroy(new Error('boom'));
    const hadError = await closed;
    expect(errors.map((e) => e.message)).toEqual(['boom']);
    expect(hadError).toBe(true);
    accepted?.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
});
