/**
 * The share's bench, in one boot: the same metadata workload (create, stat, read, readdir, unlink
 * of small files) and a sequential write and read of a large file (VMCI_SHARE_BENCH_MIB, default
 * 64: 256 MiB took over 10 minutes on a loaded host, past the harness's default VM_TIMEOUT) on a
 * vmci share mounted by the guest kernel (cache=none and cache=loose) and on the harness's own
 * virtio-9p shares with the same caching (the repository: cache=loose; .cache/vm-scratch:
 * cache=none), in the same guest: times and their ratios (TCG and a shared host make absolute
 * numbers meaningless).
 */
import { type ChildProcess, execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { requireHarnessGuest } from '@vmci/ffi/harness';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mountShare } from '../src/index.js';
import { startShareProcess } from './share-process.js';

requireHarnessGuest();

const run = promisify(execFile);
const here = fileURLToPath(new URL('..', import.meta.url));
const base = fs.mkdtempSync('/tmp/vmci-share-latency-');
// On the harness's virtio-9p shares: the repository (cache=loose), in the ignored .cache
// directory, and the harness's scratch directory (cache=none, like the share's own mount).
const virtioDir = path.join(here, '../../.cache', `share-latency-${process.pid}`);
const virtioNoneDir = path.join(here, '../../.cache/vm-scratch', `share-latency-${process.pid}`);
let server: ChildProcess | undefined;
let port = 0;
const mnt = path.join(base, 'mnt');
const cached = path.join(base, 'mnt-loose');
const root = path.join(base, 'root');

afterAll(async () => {
  await run('sh', ['-c', `umount -l ${base}/mnt; umount -l ${base}/mnt-loose; true`]);
  server?.kill();
  fs.rmSync(base, { recursive: true, force: true });
  fs.rmSync(virtioDir, { recursive: true, force: true });
  fs.rmSync(virtioNoneDir, { recursive: true, force: true });
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

beforeAll(async () => {
  fs.mkdirSync(root);
  fs.mkdirSync(mnt);
  fs.mkdirSync(virtioDir, { recursive: true });
  fs.mkdirSync(virtioNoneDir, { recursive: true });
  const started = await startShareProcess(root);
  server = started.child;
  port = started.port;
  await mountShare({ cid: 1, port, mountpoint: mnt });
  // The same share mounted again with the page and dentry caches the harness's virtio-9p uses.
  fs.mkdirSync(cached);
  fs.mkdirSync(path.join(root, 'loose'));
  fs.mkdirSync(path.join(root, 'none'));
  await mountShare({ cid: 1, port, mountpoint: cached, extraOptions: 'cache=loose' });
}, 300_000);

it('metadata workload: vmci share (kernel 9p client over vsock) vs virtio-9p', async () => {
  const count = 200;
  const share = await workload(path.join(mnt, 'none'), count);
  const loose = await workload(path.join(cached, 'loose'), count);
  const virtio = await workload(virtioDir, count);
  const virtioNone = await workload(virtioNoneDir, count);
  for (const result of [share, loose, virtio, virtioNone]) {
    expect(result.listed).toBe(count);
    expect(result.left).toBe(0);
    expect(result.bytes).toBeGreaterThan(count * 7);
  }
  const compare = (ours: typeof share, theirs: typeof share) =>
    Object.fromEntries(
      Object.entries(ours.phases).map(([phase, ms]) => [
        phase,
        `${ms} ms vs ${theirs.phases[phase]} ms (${(ms / Math.max(1, theirs.phases[phase] ?? 1)).toFixed(2)}×)`,
      ]),
    );
  console.log(
    `${count} files, vmci share (cache=none) vs virtio-9p (cache=none):`,
    JSON.stringify(compare(share, virtioNone), null, 1),
  );
  console.log(
    `${count} files, vmci share (cache=loose) vs virtio-9p (cache=loose):`,
    JSON.stringify(compare(loose, virtio), null, 1),
  );
}, 900_000);

/** Seconds `dd` took to copy `from` to `to` in 1 MiB blocks (`fsync`: flushed before it ends). */
async function ddSeconds(from: string, to: string, fsync: boolean): Promise<number> {
  const started = performance.now();
  await run('dd', [`if=${from}`, `of=${to}`, 'bs=1M', ...(fsync ? ['conv=fsync'] : [])], {
    timeout: 1_200_000,
  });
  return (performance.now() - started) / 1000;
}

/** Empties the guest's page cache, so a cache=loose mount reads from its server again. */
const dropCaches = () => run('sh', ['-c', 'sync && echo 3 > /proc/sys/vm/drop_caches']);

it('sequential write and read of a large file: vmci share vs virtio-9p', async () => {
  const mib = Number(process.env.VMCI_SHARE_BENCH_MIB ?? 64);
  expect(Number.isInteger(mib) && mib > 0).toBe(true);
  const source = path.join(base, 'source');
  await run('sh', ['-c', `head -c ${mib}M /dev/urandom > ${source}`], { timeout: 600_000 });
  const targets = {
    'vmci share, cache=none': path.join(mnt, 'none', 'big'),
    'vmci share, cache=loose': path.join(cached, 'loose', 'big'),
    'virtio-9p (harness, cache=loose)': path.join(virtioDir, 'big'),
    'virtio-9p (harness, cache=none)': path.join(virtioNoneDir, 'big'),
  };
  const results: Record<string, { write: number; read: number }> = {};
  for (const [name, target] of Object.entries(targets)) {
    const write = await ddSeconds(source, target, true);
    expect(fs.statSync(target).size).toBe(mib * 1024 * 1024);
    await dropCaches();
    const read = await ddSeconds(target, '/dev/null', false);
    fs.rmSync(target);
    results[name] = { write, read };
  }
  // Each row's ratio is to virtio-9p with the same caching (cache=none or cache=loose).
  const line = (name: string, r: { write: number; read: number }) => {
    const cache = name.includes('cache=none') ? 'none' : 'loose';
    const base = results[`virtio-9p (harness, cache=${cache})`] as { write: number; read: number };
    return `${name}: write ${r.write.toFixed(1)} s (${(mib / r.write).toFixed(1)} MiB/s, ${(r.write / base.write).toFixed(2)}×), read ${r.read.toFixed(1)} s (${(mib / r.read).toFixed(1)} MiB/s, ${(r.read / base.read).toFixed(2)}×)`;
  };
  console.log(
    `${mib} MiB sequential, dd bs=1M (write with conv=fsync, read after drop_caches), time ratio to virtio-9p with the same caching:\n${Object.entries(
      results,
    )
      .map(([name, r]) => line(name, r))
      .join('\n')}`,
  );
  fs.rmSync(source);
}, 1_800_000);
