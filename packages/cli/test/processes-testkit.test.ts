/**
 * The CLI's real-process tests on the host, against a hypervisor this test serves: `vmci` processes
 * join it by configuration alone (`VMCI_TRANSPORT`, or `--transport testkit:…`) and run under the
 * no-vsock guard, so a fallback to the kernel would fail instead of reaching this machine's
 * hypervisor. The scenarios are the nested VM's real-kernel ones (test-vm/), shared; lifecycle
 * and faults driven from this process reach the children.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHypervisor, type Hypervisor, noVsockGuard } from '@vmci/testkit';
import type { HypervisorServer } from '@vmci/testkit/remote';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  killLeftovers,
  type Launch,
  listening,
  outputOf,
  runVmci,
  vmci,
  watchStderr,
} from '../test-vm/helpers/vmci-process.js';
import {
  listenConnectScenarios,
  type ProcessSetup,
  proxyScenarios,
  sendRecvScenarios,
} from './helpers/process-scenarios.js';

/** Child processes on a loaded machine: far above a normal run, never vitest's default 5 s. */
const processTimeoutMs = 240_000;

let hypervisor: Hypervisor;
let served: HypervisorServer;
let dir: string;
let guard: string;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vmci-cli-hv-'));
  hypervisor = createHypervisor({ seed: 9 });
  hypervisor.addVM({ cid: 3 });
  served = await hypervisor.serve(join(dir, 'hv.sock'));
  guard = await noVsockGuard();
});
afterEach(async () => {
  killLeftovers();
  await served.close();
  rmSync(dir, { recursive: true, force: true });
});

const asVm3 = () => `testkit:${served.path}?cid=3`;
const asHost = () => `testkit:${served.path}`;

/** Servers join as VM 3, clients as the host, by VMCI_TRANSPORT alone; all under the guard. */
const setup = (): ProcessSetup => ({
  server: { guard, env: { VMCI_TRANSPORT: asVm3() } },
  client: { guard, env: { VMCI_TRANSPORT: asHost() } },
  serverCid: '3',
  serverCidNumber: 3,
  clientCid: 2,
  benchTransport: /^testkit-remote\/2$/,
});

describe('listen, connect and bench on a served testkit hypervisor', () => {
  listenConnectScenarios(setup, processTimeoutMs);
});
describe('proxy on a served testkit hypervisor', () => {
  proxyScenarios(setup, processTimeoutMs);
});
describe('send and recv on a served testkit hypervisor', () => {
  sendRecvScenarios(setup, processTimeoutMs);
});

describe('joining with --transport', () => {
  it(
    'pipes stdin through listen --echo (VM 3) and back to connect (host), with the traffic recorded here',
    async () => {
      const launch: Launch = { guard };
      const server = await listening(['listen', '5000', '--echo', '--transport', asVm3()], launch);
      const result = await runVmci(
        ['connect', '3:5000', '--transport', asHost()],
        'hello across processes\n',
        launch,
      );
      expect(result).toMatchObject({ code: 0, stdout: 'hello across processes\n' });
      expect((await server.done).code).toBe(0);
      expect(hypervisor.trace()).toContain('stream listener 3:5000');
      expect(hypervisor.trace()).toContain('connect stream 2 → 3:5000');
    },
    processTimeoutMs,
  );

  it(
    'refuses a malformed --transport with exit 2, never using the kernel',
    async () => {
      const result = await runVmci(['connect', '3:9', '--transport', 'testkit:hv.sock'], '', {
        guard,
      });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('ERR_VMCI_INVALID_TRANSPORT');
    },
    processTimeoutMs,
  );
});

describe('datagrams between processes (VMCI has them; the VM kernel refuses them)', () => {
  it(
    'listen --dgram --json (VM 3) prints what connect --dgram (host) sends, with the sender',
    async () => {
      const server = await listening(['listen', '0', '--dgram', '--json'], {
        guard,
        env: { VMCI_TRANSPORT: asVm3() },
      });
      const twoLines = new Promise<string[]>((resolve) => {
        let text = '';
        server.child.stdout.on('data', (chunk: Buffer) => {
          text += chunk;
          const lines = text.split('\n').filter(Boolean);
          if (lines.length >= 2) resolve(lines);
        });
      });
      const client = await runVmci(['connect', `3:${server.port}`, '--dgram'], 'one\ntwo\n', {
        guard,
        env: { VMCI_TRANSPORT: asHost() },
      });
      expect(client).toMatchObject({ code: 0, stderr: '' });
      const messages = (await twoLines).map((line) => JSON.parse(line));
      expect(messages).toEqual([
        { from: { cid: 2, port: expect.any(Number) }, size: 3, text: 'one' },
        { from: { cid: 2, port: expect.any(Number) }, size: 3, text: 'two' },
      ]);
      server.child.kill('SIGTERM');
      expect((await server.done).code).toBe(143);
    },
    processTimeoutMs,
  );
});

describe('lifecycle and faults driven from the process that owns the hypervisor', () => {
  /** `vmci listen --echo` as VM 3 and a `vmci connect` host process whose stdin stays open. */
  async function connectedPair() {
    const server = await listening(['listen', '5000', '--echo'], {
      guard,
      env: { VMCI_TRANSPORT: asVm3() },
    });
    const accepted = watchStderr(server.child).waitFor(/connection from 2:\d+/);
    const client = vmci(['connect', '3:5000'], { guard, env: { VMCI_TRANSPORT: asHost() } });
    const clientDone = outputOf(client);
    await accepted;
    // One echo first: the connection is up end to end before the fault.
    const echoed = new Promise<void>((resolve) => {
      let text = '';
      client.stdout.on('data', (chunk: Buffer) => {
        text += chunk;
        if (text.includes('ping\n')) resolve();
      });
    });
    client.stdin.write('ping\n');
    await echoed;
    return { server, clientDone };
  }

  it(
    'restoreSnapshot() on VM 3 resets the child connection: connect exits 1 with one ECONNRESET line',
    async () => {
      const { server, clientDone } = await connectedPair();
      hypervisor.vm(3).restoreSnapshot();
      const client = await clientDone;
      expect(client.code).toBe(1);
      expect(client.stderr).toMatch(/^vmci: ECONNRESET: [^\n]*restored from a snapshot[^\n]*\n$/);
      const listener = await server.done;
      expect(listener.code).toBe(1);
      expect(listener.stderr).toMatch(/\nvmci: ECONNRESET: [^\n]*\n$/);
      expect(listener.stderr).not.toMatch(/\n\s+at /);
    },
    processTimeoutMs,
  );

  it(
    'powerOff() on VM 3 resets the child connection; a later connect times out like an unreachable CID',
    async () => {
      const { clientDone } = await connectedPair();
      hypervisor.vm(3).powerOff();
      const client = await clientDone;
      expect(client.code).toBe(1);
      expect(client.stderr).toMatch(/^vmci: ECONNRESET: [^\n]*powered off[^\n]*\n$/);
      // Powered off, VM 3 does not answer: the connect times out like an unreachable CID.
      const late = await runVmci(['connect', '3:5000', '--timeout', '200'], '', {
        guard,
        env: { VMCI_TRANSPORT: asHost() },
      });
      expect(late.code).toBe(1);
      expect(late.stderr).toMatch(/^vmci: ETIMEDOUT: /);
    },
    processTimeoutMs,
  );

  it(
    'refuseNextConnects() staged here refuses a child connect with ECONNRESET',
    async () => {
      const server = await listening(['listen', '5000', '--echo'], {
        guard,
        env: { VMCI_TRANSPORT: asVm3() },
      });
      hypervisor.faults.refuseNextConnects(1, { to: 3 });
      const refused = await runVmci(['connect', '3:5000'], 'lost\n', {
        guard,
        env: { VMCI_TRANSPORT: asHost() },
      });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/^vmci: ECONNRESET: .*staged by the testkit/);
      const passed = await runVmci(['connect', '3:5000'], 'passes\n', {
        guard,
        env: { VMCI_TRANSPORT: asHost() },
      });
      expect(passed).toMatchObject({ code: 0, stdout: 'passes\n' });
      expect((await server.done).code).toBe(0);
    },
    processTimeoutMs,
  );
});
