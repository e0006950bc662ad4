/**
 * Other processes join a hypervisor this process serves, by configuration alone
 * (`VMCI_TRANSPORT=testkit:<path>?cid=3`); lifecycle and faults are driven from here and apply
 * across processes; a process that dies leaves no stale state.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { connect, createServer, type VsockSocket } from '@vmci/sockets';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHypervisor, type Hypervisor, noVsockGuard } from '../src/index.js';
import type { HypervisorServer } from '../src/remote.js';
import { childHangGuardMs, childTestTimeoutMs, runChild } from './helpers/child.js';
import { packageRoot } from './helpers/served.js';

let hypervisor: Hypervisor;
let served: HypervisorServer;
let dir: string;
const children: ChildProcess[] = [];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vmci-hv-'));
  hypervisor = createHypervisor({ seed: 3 });
  hypervisor.addVM({ cid: 3 });
  served = await hypervisor.serve(join(dir, 'hv.sock'));
});
afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    }
  }
  await served.close();
  rmSync(dir, { recursive: true, force: true });
});

const fixture = join(packageRoot, 'test/fixtures/echo-server.ts');

/** Starts the echo server in its own process, joined as VM 3; resolves once it listens. */
async function startEchoProcess(port: number): Promise<ChildProcess> {
  // Under the guard: a fallback to the kernel would fail (EAFNOSUPPORT), never reach a hypervisor.
  const child = spawn(
    await noVsockGuard(),
    [process.execPath, '--import', 'tsx', fixture, String(port)],
    {
      cwd: packageRoot,
      env: { ...process.env, VMCI_TRANSPORT: `testkit:${served.path}?cid=3` },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  children.push(child);
  const [line] = (await Promise.race([
    once(createInterface({ input: child.stdout as NodeJS.ReadableStream }), 'line'),
    once(child, 'exit').then(([code]) => {
      throw new Error(`the echo process exited (${code}) before listening`);
    }),
    new Promise((_, reject) =>
      setTimeout(() => reject(new Error('echo process hung')), childHangGuardMs),
    ),
  ])) as [string];
  expect(line).toBe(`listening ${port}`);
  return child;
}

async function echoOnce(socket: VsockSocket, text: string): Promise<string> {
  socket.write(text);
  const [data] = (await once(socket, 'data')) as [Buffer];
  return data.toString();
}

describe('a process joined by VMCI_TRANSPORT alone', () => {
  it(
    'serves as VM 3: the host here reaches it, and the traffic record shows it',
    async () => {
      await startEchoProcess(5000);
      const socket = await connect({ cid: 3, port: 5000, transport: hypervisor.host.transport });
      expect(await echoOnce(socket, 'across processes')).toBe('across processes');
      expect(hypervisor.trace()).toContain('stream listener 3:5000');
      expect(hypervisor.trace()).toContain('connect stream 2 → 3:5000');
      socket.destroy();
    },
    childTestTimeoutMs,
  );

  it(
    'sees a VM restart driven from the owning process: the connection resets',
    async () => {
      await startEchoProcess(5000);
      const socket = await connect({ cid: 3, port: 5000, transport: hypervisor.host.transport });
      expect(await echoOnce(socket, 'before')).toBe('before');
      const failed = once(socket, 'error');
      hypervisor.vm(3).restart();
      expect((await failed)[0]).toMatchObject({ code: 'ECONNRESET' });
    },
    childTestTimeoutMs,
  );

  it(
    'dies without stale state: its connections reset at the peers and its port is free',
    async () => {
      const child = await startEchoProcess(5000);
      const socket = await connect({ cid: 3, port: 5000, transport: hypervisor.host.transport });
      expect(await echoOnce(socket, 'alive')).toBe('alive');
      const failed = once(socket, 'error');
      child.kill('SIGKILL');
      expect((await failed)[0]).toMatchObject({ code: 'ECONNRESET' });
      // The port is freed once the owning process sees the wire close (an event, not a sleep).
      const server = createServer({ transport: hypervisor.vm(3).transport });
      for (;;) {
        const error = await server.listenAsync({ port: 5000 }).then(
          () => undefined,
          (e: { code?: string }) => e,
        );
        if (!error) break;
        expect(error).toMatchObject({ code: 'EADDRINUSE' });
        await new Promise((resolve) => setImmediate(resolve));
      }
      await new Promise((resolve) => server.close(resolve));
    },
    childTestTimeoutMs,
  );
});

describe('a bad VMCI_TRANSPORT stops the process, never falling back to the kernel', () => {
  const runEcho = async (setting: string) =>
    runChild(await noVsockGuard(), [process.execPath, '--import', 'tsx', fixture, '5000'], {
      cwd: packageRoot,
      env: { ...process.env, VMCI_TRANSPORT: setting },
    });

  it(
    'a malformed setting: ERR_VMCI_INVALID_TRANSPORT',
    async () => {
      const result = await runEcho('testkit:relative/hv.sock');
      expect(result.status).not.toBe(0);
      expect(result.stderr).toContain('ERR_VMCI_INVALID_TRANSPORT');
      expect(result.stdout).toBe('');
    },
    childTestTimeoutMs,
  );

  it(
    'an unreachable socket: ERR_VMCI_TRANSPORT_UNREACHABLE',
    async () => {
      const result = await runEcho(`testkit:${join(dir, 'nobody.sock')}?cid=3`);
      expect(result.status).not.toBe(0);
      expect(result.stderr).toContain('ERR_VMCI_TRANSPORT_UNREACHABLE');
      expect(result.stdout).toBe('');
    },
    childTestTimeoutMs,
  );
});
