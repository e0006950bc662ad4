/**
 * The CLI's real-process tests on the host, against a hypervisor this test serves: `vmci` processes
 * join it with `--transport testkit:…` or `VMCI_TRANSPORT` and run under the no-vsock guard, so a
 * fallback to the kernel would fail instead of reaching this machine's hypervisor.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHypervisor, type Hypervisor, noVsockGuard } from '@vmci/testkit';
import type { HypervisorServer } from '@vmci/testkit/remote';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { killLeftovers, type Launch, listening, runVmci } from '../test-vm/helpers/vmci-process.js';

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

describe('vmci on a served testkit hypervisor', () => {
  it(
    'pipes stdin through listen --echo (VM 3) and back to connect (host)',
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
      expect(hypervisor.trace()).toContain('connect stream 2 → 3:5000');
    },
    processTimeoutMs,
  );

  it(
    'joins by VMCI_TRANSPORT alone',
    async () => {
      const server = await listening(['listen', '0', '--echo'], {
        guard,
        env: { VMCI_TRANSPORT: asVm3() },
      });
      const result = await runVmci(['connect', `3:${server.port}`], 'by environment\n', {
        guard,
        env: { VMCI_TRANSPORT: asHost() },
      });
      expect(result).toMatchObject({ code: 0, stdout: 'by environment\n' });
    },
    processTimeoutMs,
  );

  it(
    'exits 1 with ECONNRESET when nobody listens on the VM',
    async () => {
      const result = await runVmci(['connect', '3:9', '--transport', asHost()], '', { guard });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^vmci: ECONNRESET: connect failed/);
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

  it(
    'measures the served hypervisor with bench --serve and a bench client process',
    async () => {
      const server = await listening(['bench', '--serve', '0', '--transport', asVm3()], { guard });
      const result = await runVmci(
        [
          'bench',
          `3:${server.port}`,
          '--json',
          '--size',
          '4',
          '--round-trips',
          '200',
          '--transport',
          asHost(),
        ],
        '',
        { guard },
      );
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const report = JSON.parse(result.stdout);
      expect(report.bulk.bytes).toBe(4 * 2 ** 20);
      expect(report.roundTrip.count).toBe(200);
      server.child.kill('SIGTERM');
      await server.done;
    },
    processTimeoutMs,
  );
});
