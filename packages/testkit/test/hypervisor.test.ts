/**
 * The fake hypervisor's rules: VMware's policy and the kernel's errors, one behaviour per test.
 */
import { once } from 'node:events';
import {
  CID_ANY,
  connect,
  createDatagramSocket,
  createServer,
  PORT_ANY,
  type VsockAddress,
  type VsockSocket,
} from '@vmci/sockets';
import { describe, expect, it } from 'vitest';
import { createHypervisor } from '../src/index.js';
import { echoServer } from './helpers/echo-server.js';

function readAll(socket: VsockSocket): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
    });
    socket.once('end', () => resolve(text));
    socket.once('error', reject);
  });
}

describe('virtual hypervisor', () => {
  it('lets a guest reach the host', async () => {
    const hv = createHypervisor();
    const vm = hv.addVM({ cid: 3 });
    const { server, port } = await echoServer(hv.host.transport);
    const socket = await connect({ cid: 'host', port, transport: vm.transport });
    socket.end('hi host');
    expect(await readAll(socket)).toBe('hi host');
    server.close();
  });

  it('lets the host reach a guest', async () => {
    const hv = createHypervisor();
    const vm = hv.addVM({ cid: 5 });
    const { server, port } = await echoServer(vm.transport);
    const socket = await connect({ cid: 5, port, transport: hv.host.transport });
    socket.end('hi guest');
    expect(await readAll(socket)).toBe('hi guest');
    server.close();
  });

  it('refuses guest-to-guest traffic unless both VMs allow it', async () => {
    const hv = createHypervisor();
    const a = hv.addVM({ cid: 3, allowUnrestrictedCommunication: true });
    const b = hv.addVM({ cid: 4 });
    const { server, port } = await echoServer(b.transport);
    await expect(connect({ cid: 4, port, transport: a.transport })).rejects.toMatchObject({
      code: 'ECONNRESET',
      message: expect.stringMatching(/allowUnrestrictedCommunication on both VMs/),
    });
    server.close();
  });

  it('applies a changed policy only after the VM restarts', async () => {
    const hv = createHypervisor();
    const a = hv.addVM({ cid: 3, allowUnrestrictedCommunication: true });
    const b = hv.addVM({ cid: 4 });
    b.setAllowUnrestrictedCommunication(true);
    const first = await echoServer(b.transport);
    await expect(
      connect({ cid: 4, port: first.port, transport: a.transport }),
    ).rejects.toMatchObject({ code: 'ECONNRESET' });
    b.restart();
    const second = await echoServer(b.transport);
    const socket = await connect({ cid: 4, port: second.port, transport: a.transport });
    socket.end('now allowed');
    expect(await readAll(socket)).toBe('now allowed');
    second.server.close();
  });

  it('resets open connections when a VM restarts, and frees its ports', async () => {
    const hv = createHypervisor();
    const vm = hv.addVM({ cid: 3 });
    const server = createServer({ transport: vm.transport });
    const { port } = await server.listenAsync();
    const socket = await connect({ cid: 3, port, transport: hv.host.transport });
    const failed = once(socket, 'error');
    vm.restart();
    const [error] = await failed;
    expect(error).toMatchObject({ code: 'ECONNRESET' });
    const again = createServer({ transport: vm.transport });
    expect((await again.listenAsync({ port })).port).toBe(port);
    again.close();
  });

  it('times out connects to a powered-off VM', async () => {
    const hv = createHypervisor();
    const vm = hv.addVM({ cid: 3 });
    vm.powerOff();
    await expect(
      connect({ cid: 3, port: 1, transport: hv.host.transport, connectTimeout: 50 }),
    ).rejects.toMatchObject({ code: 'ETIMEDOUT' });
  });

  it('gives ENODEV on a VM without VMCI', async () => {
    const hv = createHypervisor();
    const vm = hv.addVM({ cid: 3, vmci: false });
    await expect(connect({ cid: 'host', port: 1, transport: vm.transport })).rejects.toMatchObject({
      code: 'ENODEV',
      message: expect.stringMatching(/VMCI is not enabled/),
    });
  });

  it("refuses to bind another VM's CID with EADDRNOTAVAIL", async () => {
    const hv = createHypervisor();
    const vm = hv.addVM({ cid: 3 });
    await expect(
      createServer({ transport: vm.transport }).listenAsync({ cid: 4 }),
    ).rejects.toMatchObject({ code: 'EADDRNOTAVAIL' });
  });

  it('refuses listen({ fd }): a virtual VM has no descriptors to serve', async () => {
    const hv = createHypervisor();
    const server = createServer({ transport: hv.host.transport });
    server.listen({ fd: 3 });
    const [error] = await once(server, 'error');
    expect(error).toMatchObject({ code: 'ERR_VMCI_UNSUPPORTED' });
    expect(hv.openResources()).toBe(0);
  });

  it('needs privilege for ports below 1024', async () => {
    const hv = createHypervisor();
    const vm = hv.addVM({ cid: 3, privileged: false });
    await expect(
      createServer({ transport: vm.transport }).listenAsync({ port: 80 }),
    ).rejects.toMatchObject({ code: 'EACCES' });
    const root = hv.addVM({ cid: 4 });
    const server = createServer({ transport: root.transport });
    expect((await server.listenAsync({ port: 80 })).port).toBe(80);
    server.close();
  });

  it('picks the same ports under the same seed', async () => {
    const ports = async () => {
      const hv = createHypervisor({ seed: 42 });
      const server = createServer({ transport: hv.host.transport });
      const { port } = await server.listenAsync();
      server.close();
      return port;
    };
    expect(await ports()).toBe(await ports());
  });

  it('rejects a reserved or taken CID for a new VM', () => {
    const hv = createHypervisor();
    hv.addVM({ cid: 3 });
    expect(() => hv.addVM({ cid: 2 })).toThrowError(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => hv.addVM({ cid: 3 })).toThrowError(expect.objectContaining({ code: 'EEXIST' }));
  });
});

describe('datagrams (VMCI semantics)', () => {
  it('delivers a datagram with the sender address', async () => {
    const hv = createHypervisor();
    const vm = hv.addVM({ cid: 3 });
    const receiver = createDatagramSocket({ transport: hv.host.transport });
    const { port } = await receiver.bind({ port: 9000 });
    const sender = createDatagramSocket({ transport: vm.transport });
    const received = once(receiver, 'message');
    await sender.send('status?', 'host', port);
    const [data, from] = (await received) as [Buffer, VsockAddress];
    expect(data.toString()).toBe('status?');
    expect(from).toEqual(sender.address());
    sender.close();
    receiver.close();
  });

  it('drops datagrams nobody receives, without an error', async () => {
    const hv = createHypervisor();
    const vm = hv.addVM({ cid: 3 });
    const sender = createDatagramSocket({ transport: vm.transport });
    await expect(sender.send('lost', 'host', 12345)).resolves.toBeUndefined();
    sender.close();
  });

  it('drops datagrams when the receive queue is full', async () => {
    const hv = createHypervisor();
    const vm = hv.addVM({ cid: 3 });
    // The channel below a bound socket: its queue can be counted without reading it (a socket
    // reads as soon as the event loop turns, and a timer to wait for that once saw nothing).
    const receiver = hv.host.transport.bindDatagramChannel({ cid: CID_ANY, port: PORT_ANY });
    const sender = createDatagramSocket({ transport: vm.transport });
    const big = Buffer.alloc(60_000);
    for (let i = 0; i < 40; i++) await sender.send(big, 'host', receiver.local.port);
    const kept = receiver.inbox.items.length;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(40);
    const received: number[] = [];
    for (let datagram = receiver.receive(); datagram; datagram = receiver.receive())
      received.push(datagram.data.length);
    expect(received).toEqual(Array(kept).fill(big.length));
    sender.close();
    receiver.close();
  });

  it('refuses a datagram above the VMCI limit', async () => {
    const hv = createHypervisor();
    const sender = createDatagramSocket({ transport: hv.host.transport });
    await expect(sender.send(Buffer.alloc(65_513), 3, 1)).rejects.toMatchObject({
      code: 'ERR_VMCI_MESSAGE_TOO_LARGE',
    });
    sender.close();
  });
});
