/**
 * Faults staged on a clock the test moves (ManualClock): each test asserts what happened and in
 * which order — never how many milliseconds passed on the machine.
 */
import { once } from 'node:events';
import {
  connect,
  connectSeqpacket,
  createSeqpacketServer,
  createServer,
  type VsockMessageSocket,
  type VsockSocket,
} from '@vmci/sockets';
import { describe, expect, it } from 'vitest';
import { createHypervisor, ManualClock } from '../src/index.js';

function setup() {
  const clock = new ManualClock();
  const hv = createHypervisor({ clock });
  const vm = hv.addVM({ cid: 3 });
  return { clock, hv, vm };
}

/** A promise's state without waiting for it. */
function track<T>(promise: Promise<T>) {
  const state: { settled: boolean; value?: T; error?: unknown } = { settled: false };
  promise.then(
    (value) => Object.assign(state, { settled: true, value }),
    (error: unknown) => Object.assign(state, { settled: true, error }),
  );
  return state;
}

async function listenOn(transport: ReturnType<typeof setup>['vm']['transport'], port?: number) {
  const accepted: VsockSocket[] = [];
  const server = createServer({ transport }, (socket) => {
    socket.on('error', () => {});
    accepted.push(socket);
  });
  const address = await server.listenAsync(port === undefined ? {} : { port });
  return { server, port: address.port, accepted };
}

/** A host listener and a VM client connected to it; the accepted end lands in `accepted`. */
async function vmToHost(hv: ReturnType<typeof setup>['hv'], vm: ReturnType<typeof setup>['vm']) {
  const listening = await listenOn(hv.host.transport);
  const client = await connect({ cid: 'host', port: listening.port, transport: vm.transport });
  return { ...listening, client };
}

describe('faults on a manual clock', () => {
  it('times a connect out exactly when the clock reaches the connect timeout', async () => {
    const { clock, vm } = setup();
    const pending = track(
      connect({ cid: 99, port: 1, transport: vm.transport, connectTimeout: 2000 }),
    );
    await clock.advance(1999);
    expect(pending.settled).toBe(false);
    await clock.advance(1);
    expect(pending.error).toMatchObject({ code: 'ETIMEDOUT' });
  });

  it('delivers data after the link latency, not before', async () => {
    const { clock, hv, vm } = setup();
    hv.faults.shapeLinks({ latencyMs: 40 });
    const { server, accepted, client } = await vmToHost(hv, vm);
    await clock.advance(0);
    const [peer] = accepted;
    const chunks: string[] = [];
    peer?.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
    client.write('ping');
    await clock.advance(39);
    expect(chunks).toEqual([]);
    await clock.advance(1);
    expect(chunks).toEqual(['ping']);
    client.destroy();
    peer?.destroy();
    server.close();
  });

  it('spreads bytes over time at the link bandwidth', async () => {
    const { clock, hv, vm } = setup();
    hv.faults.shapeLinks({ bytesPerSecond: 1_000_000 });
    const { server, accepted, client } = await vmToHost(hv, vm);
    await clock.advance(0);
    let received = 0;
    accepted[0]?.on('data', (chunk: Buffer) => {
      received += chunk.length;
    });
    // 100 kB at 1 MB/s: all of it after 100 ms of link time, not at 50 ms.
    client.write(Buffer.alloc(100_000));
    await clock.advance(50);
    expect(received).toBeLessThan(100_000);
    await clock.advance(50);
    expect(received).toBe(100_000);
    client.destroy();
    accepted[0]?.destroy();
    server.close();
  });

  it('hands a delayed accept to the server only when the clock gets there', async () => {
    const { clock, hv, vm } = setup();
    hv.faults.delayAccepts(500);
    const { server, accepted, client } = await vmToHost(hv, vm);
    await clock.advance(499);
    expect(accepted).toHaveLength(0);
    await clock.advance(1);
    expect(accepted).toHaveLength(1);
    client.destroy();
    accepted[0]?.destroy();
    server.close();
  });
});

describe('production faults, staged', () => {
  it('snapshot restore: every connection of the VM resets, its listeners keep accepting', async () => {
    const { hv, vm } = setup();
    const { server, port, accepted } = await listenOn(vm.transport, 5000);
    const toGuest = await connect({ cid: 3, port, transport: hv.host.transport });
    const failures = [once(toGuest, 'error')];
    await new Promise((resolve) => setImmediate(resolve));
    vm.restoreSnapshot();
    expect((await Promise.all(failures)).map(([e]) => (e as { code: string }).code)).toEqual([
      'ECONNRESET',
    ]);
    expect(accepted[0]?.destroyed).toBe(true);
    // The listener survived the restore: a new connection to the same port is accepted.
    const again = await connect({ cid: 3, port, transport: hv.host.transport });
    again.destroy();
    server.close();
  });

  it('full accept backlog: connects are reset until the server accepts again', async () => {
    const { hv, vm } = setup();
    const { server, port } = await listenOn(hv.host.transport);
    hv.faults.fillAcceptBacklog(2, port);
    await expect(connect({ cid: 'host', port, transport: vm.transport })).rejects.toMatchObject({
      code: 'ECONNRESET',
      message: /accept queue is full/,
    });
    hv.faults.drainAcceptBacklog(2, port);
    const socket = await connect({ cid: 'host', port, transport: vm.transport });
    socket.destroy();
    server.close();
  });

  it('credit stall: a peer that stops reading backs the writer up; resuming delivers all, in order', async () => {
    const { hv, vm } = setup();
    const { server, accepted, client } = await vmToHost(hv, vm);
    await new Promise((resolve) => setImmediate(resolve));
    const chunks: Buffer[] = [];
    accepted[0]?.on('data', (chunk: Buffer) => chunks.push(chunk));
    const resume = hv.stallCredit({ to: 2 });
    const payload = Buffer.from(Array.from({ length: 300_000 }, (_, i) => i % 251));
    const drained = client.write(payload);
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(drained).toBe(false);
    expect(client.writableLength).toBe(payload.length);
    expect(chunks).toEqual([]);
    resume();
    client.end();
    await once(accepted[0] as VsockSocket, 'end');
    expect(Buffer.concat(chunks).equals(payload)).toBe(true);
    accepted[0]?.destroy();
    server.close();
  });

  it("peer's SHUT_RD: the writer gets EPIPE, and can still read what the peer sends", async () => {
    const { hv, vm } = setup();
    const { server, accepted, client } = await vmToHost(hv, vm);
    await new Promise((resolve) => setImmediate(resolve));
    expect(hv.peerShutsRead(client)).toBe(true);
    const events: string[] = [];
    client.on('data', (chunk: Buffer) => events.push(`data ${chunk}`));
    accepted[0]?.write('still talking');
    await once(client, 'data');
    const failed = once(client, 'error');
    client.write('nobody reads this');
    const [error] = await failed;
    events.push(`error ${(error as { code: string }).code}`);
    expect(events).toEqual(['data still talking', 'error EPIPE']);
    accepted[0]?.destroy();
    server.close();
  });

  it('truncated message: the receiver gets ERR_VMCI_MESSAGE_TRUNCATED, then the next message whole', async () => {
    const { hv, vm } = setup();
    let accepted!: (socket: VsockMessageSocket) => void;
    const serverSide = new Promise<VsockMessageSocket>((resolve) => {
      accepted = resolve;
    });
    const server = createSeqpacketServer({ transport: hv.host.transport }, (socket) =>
      accepted(socket),
    );
    const { port } = await server.listenAsync();
    const client = await connectSeqpacket({ cid: 'host', port, transport: vm.transport });
    const receiver = await serverSide;
    hv.faults.truncateNextMessages(1, 4, { from: 3 });
    const events: string[] = [];
    receiver.on('error', (error: Error) => {
      events.push(`error ${(error as { code?: string }).code}`);
    });
    const second = new Promise((resolve) =>
      receiver.on('message', (data: Buffer) => resolve(events.push(`message ${data}`))),
    );
    await client.send('a message too long for the reader');
    await client.send('whole');
    await second;
    expect(events).toEqual(['error ERR_VMCI_MESSAGE_TRUNCATED', 'message whole']);
    client.destroy();
    receiver.destroy();
    server.close();
  });
});

describe('socket idle timers on the manual clock', () => {
  it("a stream socket's setTimeout fires when the clock reaches it; activity restarts it", async () => {
    const { clock, hv, vm } = setup();
    const { server, accepted, client } = await vmToHost(hv, vm);
    const timeouts: number[] = [];
    client.on('timeout', () => timeouts.push(clock.now()));
    client.setTimeout(1000);
    await clock.advance(999);
    expect(timeouts).toEqual([]);
    client.write('activity');
    await clock.advance(999);
    expect(timeouts).toEqual([]);
    await clock.advance(1);
    expect(timeouts).toEqual([1999]);
    expect(client.destroyed).toBe(false);
    client.destroy();
    for (const socket of accepted) socket.destroy();
    server.close();
  });

  it("a message socket's connectSeqpacket({ timeout }) fires on the clock, not the machine's", async () => {
    const { clock, hv, vm } = setup();
    const server = createSeqpacketServer({ transport: hv.host.transport }, () => {});
    const { port } = await server.listenAsync();
    const client: VsockMessageSocket = await connectSeqpacket({
      cid: 'host',
      port,
      transport: vm.transport,
      timeout: 50,
    });
    const fired = track(once(client, 'timeout'));
    await clock.advance(49);
    expect(fired.settled).toBe(false);
    await clock.advance(1);
    expect(fired.settled).toBe(true);
    client.destroy();
    server.close();
  });
});

describe('a delayed accept', () => {
  it('keeps a SEQPACKET message sent before the server took the connection', async () => {
    const { clock, hv, vm } = setup();
    hv.faults.delayAccepts(100);
    const received: string[] = [];
    const server = createSeqpacketServer({ transport: hv.host.transport }, (socket) =>
      socket.on('message', (data) => received.push(String(data))),
    );
    const { port } = await server.listenAsync();
    const client = await connectSeqpacket({ cid: 'host', port, transport: vm.transport });
    await client.send('before the accept');
    await clock.advance(99);
    expect(received).toEqual([]);
    await clock.advance(1);
    expect(received).toEqual(['before the accept']);
    client.destroy();
    server.close();
  });
});
