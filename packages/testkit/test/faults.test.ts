/**
 * Staged faults: refused and timed-out connects, partitions, resets, power and restarts. Latency,
 * bandwidth and delayed accepts are in faults-clock.test.ts, on a clock the test moves.
 */
import { once } from 'node:events';
import { connect } from '@vmci/sockets';
import { describe, expect, it } from 'vitest';
import { createHypervisor, ManualClock } from '../src/index.js';
import { echoServer } from './helpers/echo-server.js';

describe('staged faults', () => {
  it('refuses the next N connects, then lets them through', async () => {
    const hv = createHypervisor();
    const vm = hv.addVM({ cid: 3 });
    const { server, port } = await echoServer(hv.host.transport);
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
    const clock = new ManualClock();
    const hv = createHypervisor({ clock });
    const vm = hv.addVM({ cid: 3 });
    const { server, port } = await echoServer(hv.host.transport);
    hv.faults.timeOutNextConnects(1);
    const timedOut = connect({
      cid: 'host',
      port,
      transport: vm.transport,
      connectTimeout: 60_000,
    });
    // Expect before moving the clock: the rejection then always has a handler.
    const outcome = expect(timedOut).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    await clock.advance(60_000);
    await outcome;
    server.close();
  });

  it('partitions two CIDs: open connections reset, new connects time out until healed', async () => {
    const hv = createHypervisor();
    const vm = hv.addVM({ cid: 3 });
    const { server, port } = await echoServer(hv.host.transport);
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

  it('resets connections mid-stream on demand', async () => {
    const hv = createHypervisor();
    const vm = hv.addVM({ cid: 3 });
    const { server, port } = await echoServer(hv.host.transport);
    const socket = await connect({ cid: 'host', port, transport: vm.transport });
    const failed = once(socket, 'error');
    expect(hv.resetConnections({ cid: 3 })).toBe(1);
    expect((await failed)[0]).toMatchObject({ code: 'ECONNRESET' });
    server.close();
  });

  it('kills a VM with connections open: the host side sees ECONNRESET', async () => {
    const hv = createHypervisor();
    const vm = hv.addVM({ cid: 3 });
    const { server, port } = await echoServer(vm.transport);
    const socket = await connect({ cid: 3, port, transport: hv.host.transport });
    const failed = once(socket, 'error');
    vm.powerOff();
    expect((await failed)[0]).toMatchObject({ code: 'ECONNRESET' });
    server.close();
  });
});
