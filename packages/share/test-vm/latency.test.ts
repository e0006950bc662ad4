/**
 * The same metadata workload (create, stat, read, readdir, unlink of small files) on a vmci share
 * mounted by the guest kernel and on the harness's own virtio-9p share of the repository, in the
 * same guest: per-phase times and their ratios (TCG makes absolute numbers meaningless).
 */
import { type ChildProcess, execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { requireHarnessGuest } from '@vmci/ffi/harness';
import { afterAll, expect, it } from 'vitest';
import { mountShare } from '../src/index.js';
import { startShareProcess } from './share-process.js';

requireHarnessGuest();

const run = promisify(execFile);
const here = fileURLToPath(new URL('..', import.meta.url));
const base = fs.mkdtempSync('/tmp/vmci-share-latency-');
// On the harness's virtio-9p share (the repository), in the ignored .cache directory.
const virtioDir = path.join(here, '../../.cache', `share-latency-${process.pid}`);
let server: ChildProcess | undefined;

afterAll(async () => {
  await run('sh', ['-c', `umount -l ${base}/mnt; umount -l ${base}/mnt-loose; true`]);
  server?.kill();
  fs.rmSync(base, { recursive: true, force: true });
  fs.rmSync(virtioDir, { recursive: true, force: true });
});

async function workload(dir: string, count: number) {
  const script = fileURLToPath(new URL('fixtures/metadata-ops.ts', import.meta.url));
  const { stdout } = await run(process.execPath, ['--import', 'tsx', script, dir, String(count)], {
    cwd: here,
    timeout: 600_000,
  });
  return JSON.parse(stdout) as {
    phases: Record<string, number>;
    bytes: number;
    listed: number;
    left: number;
  };
}

it('metadata workload: vmci share (kernel 9p client over vsock) vs virtio-9p', async () => {
  const root = path.join(base, 'root');
  const mnt = path.join(base, 'mnt');
  fs.mkdirSync(root);
  fs.mkdirSync(mnt);
  fs.mkdirSync(virtioDir, { recursive: true });
  const { child, port } = await startShareProcess(root);
  server = child;
  await mountShare({ cid: 1, port, mountpoint: mnt });
  // The same share mounted again with the page and dentry caches the harness's virtio-9p uses.
  const cached = path.join(base, 'mnt-loose');
  fs.mkdirSync(cached);
  fs.mkdirSync(path.join(root, 'loose'));
  fs.mkdirSync(path.join(root, 'none'));
  await mountShare({ cid: 1, port, mountpoint: cached, extraOptions: 'cache=loose' });
  const count = 200;
  const share = await workload(path.join(mnt, 'none'), count);
  const loose = await workload(path.join(cached, 'loose'), count);
  const virtio = await workload(virtioDir, count);
  for (const result of [share, loose, virtio]) {
    expect(result.listed).toBe(count);
    expect(result.left).toBe(0);
    expect(result.bytes).toBeGreaterThan(count * 7);
  }
  const compare = (ours: typeof share) =>
    Object.fromEntries(
      Object.entries(ours.phases).map(([phase, ms]) => [
        phase,
        `${ms} ms vs ${virtio.phases[phase]} ms (${(ms / Math.max(1, virtio.phases[phase] ?? 1)).toFixed(2)}×)`,
      ]),
    );
  console.log(
    `${count} files, vmci share (cache=none) vs virtio-9p (cache=loose):`,
    JSON.stringify(compare(share), null, 1),
  );
  console.log(
    `${count} files, vmci share (cache=loose) vs virtio-9p (cache=loose):`,
    JSON.stringify(compare(loose), null, 1),
  );
}, 900_000);
