import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { createDatagramSocket, KernelTransport, type VsockAddress } from '../src/index.js';
import {
  type DatagramChannel,
  datagramSocketOf,
  type ReceivedDatagram,
  requireCapability,
  type Transport,
} from '../src/transport-kit.js';

/** Two datagram endpoints wired together in memory, for the socket logic. */
function memoryDatagrams(): Transport {
  const inboxes = new Map<number, { queue: ReceivedDatagram[]; waiters: (() => void)[] }>();
  let nextPort = 50_000;
  const channel = (local: VsockAddress): DatagramChannel => {
    const inbox = { queue: [] as ReceivedDatagram[], waiters: [] as (() => void)[] };
    inboxes.set(local.port, inbox);
    return {
      local,
      maxDatagramSize: 1024,
      send(data, to) {
        const target = inboxes.get(to.port);
        if (!target) throw Object.assign(new Error('no such port'), { code: 'ECONNREFUSED' });
        target.queue.push({
          data: Buffer.from(data.subarray(0, 16)),
          from: local,
          truncated: data.length > 16,
        });
        for (const wake of target.waiters.splice(0)) setImmediate(wake);
        return true;
      },
      receive: () => inbox.queue.shift() ?? null,
      wait(interest, callback) {
        if (interest === 'readable') inbox.waiters.push(callback);
        else setImmediate(callback);
      },
      close: () => inboxes.delete(local.port),
      setRef: () => {},
    };
  };
  return {
    name: 'memory',
    localCid: () => 3,
    bindDatagram: async (request) =>
      datagramSocketOf(
        channel({ cid: 3, port: request.port === 0xffffffff ? nextPort++ : request.port }),
      ),
  } as Partial<Transport> as Transport;
}

describe('datagram sockets', () => {
  it('binds any free port for port 0, as dgram does', async () => {
    const socket = createDatagramSocket({ transport: memoryDatagrams() });
    const { port } = await socket.bind({ port: 0 });
    expect(port).not.toBe(0);
    expect(port).not.toBe(0xffffffff);
    socket.close();
  });

  it('sends a datagram and reports the sender', async () => {
    const transport = memoryDatagrams();
    const receiver = createDatagramSocket({ transport });
    const { port } = await receiver.bind({ port: 7000 });
    const sender = createDatagramSocket({ transport });
    const received = once(receiver, 'message');
    await sender.send('ping', 3, port);
    const [data, from] = (await received) as [Buffer, VsockAddress];
    expect(data.toString()).toBe('ping');
    expect(from).toEqual(sender.address());
    sender.close();
    receiver.close();
  });

  it('rejects a datagram above the transport limit with ERR_VMCI_MESSAGE_TOO_LARGE', async () => {
    const socket = createDatagramSocket({ transport: memoryDatagrams() });
    await expect(socket.send(Buffer.alloc(1025), 3, 1)).rejects.toMatchObject({
      code: 'ERR_VMCI_MESSAGE_TOO_LARGE',
    });
    socket.close();
  });

  it('reports a truncated datagram as an error instead of delivering part of it', async () => {
    const transport = memoryDatagrams();
    const receiver = createDatagramSocket({ transport });
    const { port } = await receiver.bind({ port: 7001 });
    const sender = createDatagramSocket({ transport });
    const failed = once(receiver, 'error');
    await sender.send(Buffer.alloc(100), 3, port);
    const [error] = await failed;
    expect(error).toMatchObject({ code: 'ERR_VMCI_MESSAGE_TRUNCATED' });
    sender.close();
    receiver.close();
  });

  it('a bound socket keeps what arrives before anyone listens for message', async () => {
    const transport = memoryDatagrams();
    requireCapability(transport, 'bindDatagram');
    const bound = await transport.bindDatagram({ cid: 3, port: 7002 });
    const sender = createDatagramSocket({ transport });
    await sender.send('early', 3, 7002);
    await new Promise((resolve) => setImmediate(resolve));
    const [data] = (await once(bound, 'message')) as [Buffer];
    expect(data.toString()).toBe('early');
    sender.close();
    bound.close();
  });

  it('refuses to bind twice', async () => {
    const socket = createDatagramSocket({ transport: memoryDatagrams() });
    await socket.bind();
    await expect(socket.bind()).rejects.toMatchObject({ code: 'ERR_VMCI_INVALID_ARGUMENT' });
    socket.close();
  });

  it('says clearly that this kernel has no vsock datagrams (virtio: ENODEV)', async () => {
    const socket = createDatagramSocket({ transport: new KernelTransport() });
    await expect(socket.bind()).rejects.toMatchObject({
      code: 'ENODEV',
      message: expect.stringMatching(/only on the VMCI transport/),
    });
    socket.close();
  });
});
