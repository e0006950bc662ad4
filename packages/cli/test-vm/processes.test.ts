/**
 * `vmci listen` and `vmci connect` as real processes on the real kernel (vsock_loopback, CID 1).
 * The scenarios both transports share run here and in test/processes-testkit.test.ts (the host, a
 * served testkit hypervisor); what follows them is the kernel's own.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  bindSocket,
  closeSocket,
  connectSocket,
  createSocket,
  listenSocket,
  localAddress,
  writeFrom,
} from '@vmci/ffi';
import { requireHarnessGuest } from '@vmci/ffi/harness';
import { afterEach, expect, it } from 'vitest';
import { kernelSetup, listenConnectScenarios } from '../test/helpers/process-scenarios.js';
import { killLeftovers, listening, runVmci } from './helpers/vmci-process.js';

requireHarnessGuest();
afterEach(killLeftovers);

listenConnectScenarios(() => kernelSetup, 240_000);

for (const backend of ['pipe', 'poll'] as const)
  it(`listen --echo exits after a client that sent much and vanished without reading the echo (${backend})`, async () => {
    const listener = await listening(['listen', '0', '--echo'], { env: { VMCI_BACKEND: backend } });
    const client = createSocket('stream');
    await connectSocket(client, { cid: 1, port: listener.port });
    // More than the kernel buffers both ways: the echo's writes are still queued when we vanish.
    const data = Buffer.alloc(2 << 20, 1);
    let offset = 0;
    while (offset < data.length) {
      const n = writeFrom(client, data, offset);
      if (n === null) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        if (offset >= 512 * 1024) break;
      } else offset += n;
    }
    closeSocket(client);
    // Before the fix the pipe backend never exited (no 'error', no 'close'); a hang guard only.
    const { code } = await listener.done;
    expect(code).not.toBeNull();
  });

it('explains that this kernel refuses datagrams (listen --dgram exits 1 with ENODEV)', async () => {
  const result = await runVmci(['listen', '0', '--dgram']);
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(/^vmci: ENODEV: .*datagram/im);
});

it('runs demo --kernel: echo and HTTP over the local CID, policy on the virtual hypervisor', async () => {
  const result = await runVmci(['demo', '--kernel']);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  expect(result.stdout).toMatch(/local → 1:\d+ {2}"hello over vsock" {2}← {2}"hello over vsock"/);
  expect(result.stdout).toMatch(/GET http:\/\/agent.local\/status via vsock 1:\d+ {2}← {2}200 /);
  expect(result.stdout).toContain('web → db:5432  "select 1"  ←  "select 1"');
});

it('serves a systemd-activated socket with listen --systemd', async () => {
  // What systemd does for ListenStream=vsock::PORT: bind and listen, then start the service with
  // the socket as descriptor 3 and LISTEN_PID set to the service's own pid.
  const fd = createSocket('stream');
  bindSocket(fd, { cid: 0xffffffff, port: 0xffffffff });
  listenSocket(fd);
  const { port } = localAddress(fd);
  const service = spawn(
    'sh',
    [
      '-c',
      `LISTEN_PID=$$ LISTEN_FDS=1 exec "${process.execPath}" --import tsx src/bin.ts listen --systemd --echo`,
    ],
    { cwd: fileURLToPath(new URL('..', import.meta.url)), stdio: ['ignore', 'ignore', 'pipe', fd] },
  );
  closeSocket(fd); // the service has its own copy
  const serviceExit = new Promise<number | null>((resolve) => service.on('close', resolve));
  const client = await runVmci(['connect', `local:${port}`], 'activated\n');
  expect(client).toMatchObject({ code: 0, stdout: 'activated\n' });
  expect(await serviceExit).toBe(0);
});
