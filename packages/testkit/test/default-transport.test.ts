/**
 * While a testkit hypervisor is in charge, a call that forgot `transport:` fails naming the option
 * and never creates an AF_VSOCK socket. The kernel transport's entry points are replaced by spies
 * that refuse, so even a broken guard could not reach the kernel from this test.
 */
import {
  connect,
  connectSeqpacket,
  createConnection,
  createDatagramSocket,
  createServer,
  KernelTransport,
} from '@vmci/sockets';
import { afterAll, beforeAll, describe, expect, it, type MockInstance, vi } from 'vitest';
import { createHypervisor } from '../src/index.js';
import { useHypervisor } from '../src/vitest.js';

const kernelEntryPoints = [
  'connect',
  'listen',
  'connectSeqpacket',
  'listenSeqpacket',
  'bindDatagram',
] as const;
const spies: MockInstance[] = [];

beforeAll(() => {
  for (const method of kernelEntryPoints) {
    spies.push(
      vi
        .spyOn(KernelTransport.prototype, method)
        .mockRejectedValue(new Error(`reached the kernel transport (${method})`)),
    );
  }
});
afterAll(() => {
  for (const spy of spies.splice(0)) spy.mockRestore();
});

const kernelCalls = () => spies.reduce((sum, spy) => sum + spy.mock.calls.length, 0);
const required = { code: 'ERR_VMCI_TRANSPORT_REQUIRED' };

describe('inside useHypervisor()', () => {
  const hv = useHypervisor();

  it('fails connect() without transport:, naming the option, and creates no AF_VSOCK socket', async () => {
    hv().addVM({ cid: 3 });
    const error = await connect({ cid: 'host', port: 5000 }).catch((e: unknown) => e);
    expect(error).toMatchObject(required);
    expect((error as Error).message).toContain('transport:');
    expect(kernelCalls()).toBe(0);
  });

  it('fails createConnection() without transport: with an error event', async () => {
    const socket = createConnection({ cid: 'host', port: 5000 });
    const error = await new Promise((resolve) => socket.once('error', resolve));
    expect(error).toMatchObject(required);
    expect(kernelCalls()).toBe(0);
  });

  it('fails a server without transport:', async () => {
    await expect(createServer().listenAsync({ port: 5000 })).rejects.toMatchObject(required);
    expect(kernelCalls()).toBe(0);
  });

  it('fails SEQPACKET and datagram calls without transport:', async () => {
    await expect(connectSeqpacket({ cid: 'host', port: 5000 })).rejects.toMatchObject(required);
    const dgram = createDatagramSocket();
    await expect(dgram.bind({ port: 5000 })).rejects.toMatchObject(required);
    dgram.close();
    expect(kernelCalls()).toBe(0);
  });

  it('uses a VM as the default after hv().installAsDefault(vm.transport)', async () => {
    const vm = hv().addVM({ cid: 3 });
    hv().installAsDefault(vm.transport);
    const server = createServer({ transport: hv().host.transport }, (socket) => socket.end('hi'));
    const { port } = await server.listenAsync();
    const socket = await connect({ cid: 'host', port });
    expect(socket.remoteCid).toBe(2);
    socket.resume();
    await new Promise((resolve) => socket.on('close', resolve));
    await new Promise((resolve) => server.close(resolve));
  });
});

describe('hypervisor.installAsDefault() without the fixture', () => {
  it('refuses until restored, then hands the default back', async () => {
    const hypervisor = createHypervisor();
    const restore = hypervisor.installAsDefault();
    await expect(connect({ cid: 'host', port: 5000 })).rejects.toMatchObject(required);
    restore();
    // Back to the kernel transport: its spy answers, proving the default was handed back.
    await expect(connect({ cid: 'host', port: 5000 })).rejects.toThrow(
      'reached the kernel transport (connect)',
    );
  });
});
