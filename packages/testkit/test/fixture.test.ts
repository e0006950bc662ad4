/**
 * useHypervisor(): a fresh hypervisor per test, and a failure for leaked sockets.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, createServer } from '@vmci/sockets';
import { expect, it } from 'vitest';
import { useHypervisor } from '../src/vitest.js';
import { childTestTimeoutMs, runChild } from './helpers/child.js';

const hv = useHypervisor();

it('gives each test its own hypervisor', () => {
  const vm = hv().addVM({ cid: 3 });
  expect(vm.cid).toBe(3);
});

it('starts the next test with a fresh one (CID 3 is free again)', () => {
  expect(hv().addVM({ cid: 3 }).cid).toBe(3);
});

it('passes when everything was closed', async () => {
  const vm = hv().addVM({ cid: 3 });
  const server = createServer({ transport: hv().host.transport }, (socket) => socket.end());
  const { port } = await server.listenAsync();
  const socket = await connect({ cid: 'host', port, transport: vm.transport });
  socket.resume();
  await new Promise((resolve) => socket.on('close', resolve));
  await new Promise((resolve) => server.close(resolve));
});

it(
  'fails a test that leaves a server open, naming it, and prints the traffic',
  async () => {
    const root = fileURLToPath(new URL('..', import.meta.url));
    // A throw-away project inside the package (so imports resolve), outside test/ (not collected here).
    const dir = mkdtempSync(join(root, 'leak-fixture-'));
    writeFileSync(
      join(dir, 'leak.test.ts'),
      [
        "import { createServer } from '@vmci/sockets';",
        "import { it } from 'vitest';",
        "import { useHypervisor } from '../src/vitest.js';",
        'const hv = useHypervisor();',
        "it('leaks', async () => { await createServer({ transport: hv().host.transport }).listenAsync({ port: 4242 }); });",
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(dir, 'vitest.config.mjs'),
      "export default { test: { include: ['*.test.ts'] } };\n",
    );
    const result = await runChild(
      process.execPath,
      [
        join(root, 'node_modules/vitest/vitest.mjs'),
        'run',
        '--root',
        dir,
        '--config',
        join(dir, 'vitest.config.mjs'),
      ],
      { cwd: dir, env: { ...process.env, NO_COLOR: '1' } },
    ).finally(() => rmSync(dir, { recursive: true, force: true }));
    const output = result.stdout + result.stderr;
    expect(result.status).not.toBe(0);
    expect(output).toContain('left 1 vsock resource(s) open');
    expect(output).toContain('stream listener 2:4242');
    expect(output).toContain('vsock traffic of the failed test');
  },
  childTestTimeoutMs,
);
