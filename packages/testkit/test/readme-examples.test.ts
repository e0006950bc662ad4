/**
 * The README code examples of @vmci/testkit and @vmci/sockets (their examples/ folders, kept
 * identical to the READMEs by the root docs test), run on the virtual hypervisor. The sockets
 * examples use the default transport, as a user's code would: here it is replaced by a fake
 * endpoint, and it throws instead of ever falling back to the kernel.
 * (examples/faults.test.ts runs as a test file of its own.)
 */
import { connect, defaultTransport, type Transport } from '@vmci/sockets';
import { afterEach, expect, it, vi } from 'vitest';
import { createHypervisor } from '../src/index.js';

const defaults = vi.hoisted(() => ({ transport: undefined as Transport | undefined }));
vi.mock('../../sockets/src/default-transport.js', () => ({
  defaultTransport: () => {
    if (!defaults.transport)
      throw new Error('README examples run on the testkit only: no transport');
    return defaults.transport;
  },
}));

afterEach(() => {
  defaults.transport = undefined;
  vi.restoreAllMocks();
});

/** Makes `transport` the examples' default, once it is certain the kernel's cannot be reached. */
function useDefaultTransport(transport: Transport): void {
  defaults.transport = undefined;
  expect(() => defaultTransport()).toThrow('README examples run on the testkit only');
  defaults.transport = transport;
}

/** Collects what the code under test writes to stdout (instead of printing it). */
function captureStdout(): () => string {
  let output = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    output += String(chunk);
    return true;
  });
  return () => output;
}

// Module imports and the hypervisor's work are quick, but a loaded CI machine is not: hang guard.
const guard = { timeout: 300_000 };

it(
  'examples/quick-start.ts: a guest service reads its config from a host agent',
  guard,
  async () => {
    const stdout = captureStdout();
    await import('../examples/quick-start.js');
    await vi.waitFor(() => expect(stdout()).toBe('config v1\n'));
  },
);

it(
  'sockets examples/host.ts and guest.ts: HTTP and an echo from a guest to the host',
  guard,
  async () => {
    const hv = createHypervisor();
    const vm = hv.addVM({ cid: 3 });
    const stdout = captureStdout();
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});

    useDefaultTransport(hv.host.transport);
    await import('@vmci/sockets/examples/host');
    await vi.waitFor(() =>
      expect(log).toHaveBeenCalledWith('echo on', expect.objectContaining({ port: 5000 })),
    );
    await vi.waitFor(() =>
      expect(hv.openResourceLabels()).toEqual(
        expect.arrayContaining(['stream listener 2:8080', 'stream listener 2:5000']),
      ),
    );

    useDefaultTransport(vm.transport);
    await import('@vmci/sockets/examples/guest');
    await vi.waitFor(() => {
      expect(stdout()).toContain('hello from the host: /status\n');
      expect(stdout()).toContain('ping\n');
    });
    // The echo connection ends by itself; powering off before it has would reset it under the
    // example, which has no 'error' listener (nor needs one). Only the agent's kept-alive socket,
    // which handles resets, may still be open.
    await vi.waitFor(() =>
      expect(
        hv.openResourceLabels().filter((label) => /^stream \S+ ↔ 2:5000$/.test(label)),
      ).toEqual([]),
    );
    vm.powerOff();
  },
);

it(
  'sockets examples/socket-activation.ts: listens on port 5000 when not socket-activated',
  guard,
  async () => {
    const hv = createHypervisor();
    const vm = hv.addVM({ cid: 3 });
    useDefaultTransport(hv.host.transport);
    await import('@vmci/sockets/examples/socket-activation');
    await vi.waitFor(() => expect(hv.openResourceLabels()).toContain('stream listener 2:5000'));

    const socket = await connect({ cid: 'host', port: 5000, transport: vm.transport });
    socket.setEncoding('utf8');
    socket.end('echo me');
    let reply = '';
    for await (const chunk of socket) reply += chunk;
    expect(reply).toBe('echo me');
  },
);
