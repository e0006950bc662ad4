/**
 * Staged faults: refused and timed-out connects, partitions, link latency and bandwidth, delayed
 * accepts, resets. Timing checks are lower bounds only (data cannot arrive early).
 */
import { once } from 'node:events';
import { connect, createServer, type Transport, type VsockSocket } from '@vmci/sockets';
import { describe, expect, it } from 'vitest';
import { createHypervisor } from '../src/index.js';

async function echo(transport: Transport) {
  const server = createServer({ transport }, (socket) => {
    // Resets are the point of some tests: the server side sees them too.
    socket.on('error', () => {});
    socket.pipe(socket);
  });
  const { port } = await server.listenAsync();
  return { server, port };
}

function firstData(socket: VsockSocket): Promise<Buffer> {
  return once(socket, 'data').then(([chunk]) => chunk as Buffer);
}

describe('staged faults', () => {
  it('refuses the next N connects, then lets them through', async () => {
    const hv = createHypervisor();
    const vm = hv.addVM({ cid: 3 });
    const { server, port } = await echo(hv.host.transport);
    hv.faults.refuseNextConnects(1, { to: 2 });
    await expect(connect({ cid: 'host', port, transport: vm.transport })).rejects.toMatchObject({
      code: 'ECONNRESET',
      message: /staged/,
    });
    const socket = await connect({ cid: 'host', port, transport: vm.transport });
    socket.destroy();
    server.close();
  });

  it('times out the next N connects after the connect timeout', async () => {
    const hv = createHypervisor();
    const vm = hv.addVM({ cid: 3 });
    const { server, port } = await echo(hv.host.transport);
    hv.faults.timeOutNextConnects(1);
    const started = Date.now();
    await expect(
      connect({ cid: 'host', port, transport: vm.transport, connectTimeout: 60 }),
    ).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
    server.close();
  });

  it('partitions two CIDs: open connections reset, new connects time out until healed', async () => {
    const hv = createHypervisor();
    const vm = hv.addVM({ cid: 3 });
    const { server, port } = await echo(hv.host.transport);
    const socket = await connect({ cid: 'host', port, transport: vm.transport });
    const failed = once(socket, 'error');
    hv.partition(3, 2);
    expect((await failed)[0]).toMatchObject({ code: 'ECONNRESET' });
    await expect(
      connect({ cid: 'host', port, transport: vm.transport, connectTimeout: 30 }),
    ).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    hv.heal(3, 2);
    const healed = await connect({ cid: 'host', port, transport: vm.transport });
    healed.destroy();
    server.close();
  });

  it('delays data by the link latency each way', async () => {
    const hv = createHypervisor();
    const vm = hv.addVM({ cid: 3 });
    hv.faults.shapeLinks({ latencyMs: 40 });
    const { server, port } = await echo(hv.host.transport);
    const socket = await connect({ cid: 'host', port, transport: vm.transport });
    const started = Date.now();
    const back = firstData(socket);
    socket.write('ping');
    expect((await back).toString()).toBe('ping');
    expect(Date.now() - started).toBeGreaterThanOrEqual(75);
    socket.destroy();
    server.close();
  });

  it('caps throughput at the link bandwidth', async () => {
    const hv = createHypervisor();
    const vm = hv.addVM({ cid: 3 });
    hv.faults.shapeLinks({ bytesPerSecond: 1_000_000 });
    const received = new Promise<number>((resolve) => {
      const server = createServer({ transport: hv.host.transport }, (socket) => {
        let total = 0;
        socket.on('data', (chunk: Buffer) => {
          total += chunk.length;
        });
        socket.on('end', () => {
          resolve(total);
          socket.end();
          server.close();
        });
      });
      server.listenAsync().then(async ({ port }) => {
        const socket = await connect({ cid: 'host', port, transport: vm.transport });
        socket.end(Buffer.alloc(100_000));
        socket.resume();
      });
    });
    const started = Date.now();
    expect(await received).toBe(100_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
  });

  it('delays accepts', async () => {
    const hv = createHypervisor();
    const vm = hv.addVM({ cid: 3 });
    hv.faults.delayAccepts(50);
    let acceptedAt = 0;
    const server = createServer({ transport: hv.host.transport }, (socket) => {
      acceptedAt = Date.now();
      socket.destroy();
    });
    const { port } = await server.listenAsync();
    const socket = await connect({ cid: 'host', port, transport: vm.transport });
    const connectedAt = Date.now();
    await once(socket, 'close');
    expect(acceptedAt - connectedAt).toBeGreaterThanOrEqual(45);
    server.close();
  });

  it('resets connections mid-stream on demand', async () => {
    const hv = createHypervisor();
    const vm = hv.addVM({ cid: 3 });
    const { server, port } = await echo(hv.host.transport);
    const socket = await connect({ cid: 'host', port, transport: vm.transport });
    const failed = once(socket, 'error');
    expect(hv.resetConnections({ cid: 3 })).toBe(1);
    expect((await failed)[0]).toMatchObject({ code: 'ECONNRESET' });
    server.close();
  });

  it('kills a VM with connections open: the host side sees ECONNRESET', async () => {
    const hv = createHypervisor();
    const vm = hv.addVM({ cid: 3 });
    const { server, port } = await echo(vm.transport);
    const socket = await connect({ cid: 3, port, transport: hv.host.transport });
    const failed = once(socket, 'error');
    vm.powerOff();
    expect((await failed)[0]).toMatchObject({ code: 'ECONNRESET' });
    server.close();
  });
});
