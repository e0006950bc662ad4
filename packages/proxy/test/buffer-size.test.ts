/**
 * `bufferSize` (`vmci proxy --buffer-size`): the vsock side's SO_VM_SOCKETS_BUFFER_SIZE — each
 * target connection when `to` is vsock, the listener and its clients when `from` is vsock.
 */
import type { Duplex } from 'node:stream';
import { CID_ANY, type Transport, type TransportConnectRequest } from '@vmci/sockets';
import { describe, expect, it } from 'vitest';
import { dial } from '../src/dial.js';
import { listenOn } from '../src/listener.js';
import { echo, exchange, tcpClient, tcpToVm3, useProxyFixture } from './helpers/proxy.js';

const oneMiB = 1024 * 1024;

describe('startProxy bufferSize', () => {
  const fixture = useProxyFixture();
  const { hv, proxy } = fixture;

  it('asks for the buffer size on every target connection', async () => {
    const vm = hv().addVM({ cid: 3 });
    await fixture.vsockService(vm.transport, 5000, echo);
    const host = hv().host.transport;
    const asked: (number | undefined)[] = [];
    const transport: Transport = Object.create(host);
    transport.connect = (request: TransportConnectRequest) => {
      asked.push(request.bufferSize);
      return host.connect(request);
    };
    const { port } = await proxy({ ...tcpToVm3, transport, bufferSize: oneMiB });
    const client = await tcpClient(port);
    expect((await exchange(client, Buffer.from('ping'))).toString()).toBe('ping');
    expect(asked).toEqual([oneMiB]);
  });

  it('connects to a vsock target with that buffer', async () => {
    const vm = hv().addVM({ cid: 3 });
    await fixture.vsockService(vm.transport, 5000, echo);
    const socket = (await dial(
      { kind: 'vsock', cid: 3, port: 5000 },
      { transport: hv().host.transport, bufferSize: oneMiB },
    )) as Duplex & { getBufferSize(): number };
    fixture.closeAfter({ close: () => socket.destroy() });
    expect(socket.getBufferSize()).toBe(oneMiB);
  });

  it('listens on vsock with that buffer, which accepted clients inherit', async () => {
    const vm = hv().addVM({ cid: 3 });
    const accepted: (Duplex & { getBufferSize(): number })[] = [];
    const listener = fixture.closeAfter(
      await listenOn(
        { kind: 'vsock', cid: CID_ANY, port: 0 },
        {
          connection: (socket) => accepted.push(socket as (typeof accepted)[number]),
          error: (error) => {
            throw error;
          },
        },
        { transport: hv().host.transport, bufferSize: oneMiB },
      ),
    );
    const endpoint = listener.endpoint as { port: number };
    const client = await vm.transport.connect({ cid: 2, port: endpoint.port });
    fixture.closeAfter({ close: () => client.destroy() });
    while (accepted.length === 0) await new Promise((resolve) => setImmediate(resolve));
    expect(accepted[0]?.getBufferSize()).toBe(oneMiB);
    accepted[0]?.destroy();
  });

  it('refuses a buffer size that is not a positive whole number', async () => {
    await expect(proxy({ ...tcpToVm3, bufferSize: 0 })).rejects.toMatchObject({
      code: 'ERR_VMCI_INVALID_ARGUMENT',
      message: 'vmci proxy: bufferSize must be a positive whole number, got 0',
    });
  });
});
