/**
 * The guest kernel's own 9p client mounts a share over vsock loopback (CID 1): `vmci share` in one
 * process, `mountShare` (mount(2) with trans=fd) in this one, and the file operations a workload
 * needs done by ordinary programs on the mount, checked against the served directory.
 */
import { type ChildProcess, execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { requireHarnessGuest } from '@vmci/ffi/harness';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mountShare } from '../src/index.js';
import { startShareProcess } from './share-process.js';

requireHarnessGuest();

const run = promisify(execFile);
const sh = async (script: string, timeout = 240_000) =>
  (await run('sh', ['-c', script], { timeout, maxBuffer: 64 * 1024 * 1024 })).stdout;
const step = (text: string) =>
  process.stderr.write(`share-vm: ${new Date().toISOString()} ${text}\n`);

const base = fs.mkdtempSync('/tmp/vmci-share-vm-');
const root = path.join(base, 'root');
const mnt = path.join(base, 'mnt');
let server: ChildProcess;
let port = 0;

beforeAll(async () => {
  fs.mkdirSync(root);
  fs.mkdirSync(mnt);
  ({ child: server, port } = await startShareProcess(root));
  const started = Date.now();
  await mountShare({ cid: 1, port, mountpoint: mnt });
  console.log(`mounted vsock 1:${port} on ${mnt} in ${Date.now() - started} ms`);
}, 120_000);

afterAll(async () => {
  await sh(`umount -l ${mnt} 2>/dev/null; true`);
  server?.kill();
  fs.rmSync(base, { recursive: true, force: true });
});

beforeEach((context) => {
  step(context.task.name);
  for (const name of fs.readdirSync(root))
    fs.rmSync(path.join(root, name), { recursive: true, force: true });
});

describe('the kernel 9p client on a vmci share', () => {
  it('is a 9p mount with trans=fd', async () => {
    const mounts = await sh('cat /proc/mounts');
    expect(mounts).toMatch(new RegExp(`^vsock:1:${port} ${mnt} 9p .*trans=fd`, 'm'));
  });

  it('create, write, read back, stat, rename, unlink, mkdir, rmdir', async () => {
    await sh(
      `cd ${mnt} && echo hello > a.txt && cat a.txt >/dev/null && mkdir d && mv a.txt d/b.txt`,
    );
    expect(fs.readFileSync(path.join(root, 'd/b.txt'), 'utf8')).toBe('hello\n');
    expect(await sh(`cat ${mnt}/d/b.txt`)).toBe('hello\n');
    const st = fs.statSync(path.join(mnt, 'd/b.txt'));
    expect(st.size).toBe(6);
    // The 9p client numbers inodes qid.path + 2 (v9fs_qid2ino); the qid path is the server's inode.
    expect(st.ino).toBe(fs.statSync(path.join(root, 'd/b.txt')).ino + 2);
    await sh(`cd ${mnt} && echo more >> d/b.txt && chmod 600 d/b.txt && truncate -s 3 d/b.txt`);
    expect(fs.readFileSync(path.join(root, 'd/b.txt'), 'utf8')).toBe('hel');
    expect(fs.statSync(path.join(root, 'd/b.txt')).mode & 0o777).toBe(0o600);
    await sh(`cd ${mnt} && rm d/b.txt && rmdir d`);
    expect(fs.readdirSync(root)).toEqual([]);
  });

  it('symlinks and hard links', async () => {
    await sh(`cd ${mnt} && echo t > target && ln -s target sym && ln target hard`);
    expect(fs.readlinkSync(path.join(root, 'sym'))).toBe('target');
    expect(await sh(`readlink ${mnt}/sym; cat ${mnt}/sym`)).toBe('target\nt\n');
    expect(fs.statSync(path.join(root, 'target')).nlink).toBe(2);
    expect(fs.statSync(path.join(mnt, 'hard')).nlink).toBe(2);
    await sh(`cd ${mnt} && rm sym hard target`);
  });

  it('readdir of 10,000 entries (created on the server side), and 200 created through the mount', async () => {
    const dir = path.join(root, 'many');
    fs.mkdirSync(dir);
    for (let i = 1; i <= 10000; i++) fs.writeFileSync(path.join(dir, `f${i}`), '');
    const listed = Date.now();
    const names = (await sh(`ls -f ${mnt}/many`, 600_000)).trim().split('\n');
    const listMs = Date.now() - listed;
    expect(names.filter((name) => name !== '.' && name !== '..').sort()).toEqual(
      fs.readdirSync(dir).sort(),
    );
    const created = Date.now();
    await sh(`mkdir ${mnt}/some && cd ${mnt}/some && seq 1 200 | xargs touch`, 600_000);
    const createMs = Date.now() - created;
    expect(fs.readdirSync(path.join(root, 'some'))).toHaveLength(200);
    console.log(
      `readdir of 10,000 entries through the mount: ${listMs} ms; 200 files created through it: ${createMs} ms`,
    );
    fs.rmSync(dir, { recursive: true });
    await sh(`rm -rf ${mnt}/some`, 600_000);
    expect(fs.readdirSync(root)).toEqual([]);
  }, 900_000);

  it('a large file written and read back with the same SHA-256', async () => {
    const mib = Number(process.env.VMCI_SHARE_BIG_MIB ?? 256);
    const started = Date.now();
    await sh(
      `head -c ${mib}M /dev/urandom > ${base}/big && sha256sum ${base}/big | cut -d' ' -f1 > ${base}/big.sha`,
    );
    const written = Date.now();
    await sh(`cp ${base}/big ${mnt}/big`, 600_000);
    const copied = Date.now();
    const read = await sh(`sha256sum ${mnt}/big | cut -d' ' -f1`, 600_000);
    const readBack = Date.now();
    const expected = fs.readFileSync(`${base}/big.sha`, 'utf8');
    expect(read).toBe(expected);
    expect(await sh(`sha256sum ${root}/big | cut -d' ' -f1`)).toBe(expected);
    console.log(
      `${mib} MiB: generated in ${written - started} ms, written through the mount in ${copied - written} ms, read back + sha256 in ${readBack - copied} ms`,
    );
    await sh(`rm ${mnt}/big ${base}/big`);
  }, 900_000);

  it('tar extract and find over a source tree', async () => {
    const src = fileURLToPath(new URL('../src', import.meta.url));
    await sh(
      `tar -C ${src} -cf ${base}/src.tar . && mkdir ${mnt}/tree && tar -C ${mnt}/tree -xf ${base}/src.tar`,
    );
    const there = (await sh(`cd ${mnt}/tree && find . | sort`)).trim();
    const here = (await sh(`cd ${src} && find . | sort`)).trim();
    expect(there).toBe(here);
    expect(await sh(`cd ${mnt}/tree && find . -type f -exec sha256sum {} + | sort -k2`)).toBe(
      await sh(`cd ${src} && find . -type f -exec sha256sum {} + | sort -k2`),
    );
    await sh(`rm -rf ${mnt}/tree`);
  }, 600_000);

  it('flock works, and two processes work on the share at once', async () => {
    expect(await sh(`cd ${mnt} && touch lock && flock lock echo locked`)).toBe('locked\n');
    // Both loops run in the mount (braces: a bare `cd X && (a) & (b) &` would run b elsewhere).
    await sh(
      `cd ${mnt} || exit 1; { for i in $(seq 1 100); do echo "a$i" > a-$i; done; } & a=$!; { for i in $(seq 1 100); do echo "b$i" > b-$i; read -r line < b-$i; [ "$line" = "b$i" ] || exit 1; done; } & b=$!; wait $a && wait $b`,
    );
    const names = fs.readdirSync(root).filter((name) => /^[ab]-/.test(name));
    expect(names).toHaveLength(200);
    expect(fs.readFileSync(path.join(root, 'a-100'), 'utf8')).toBe('a100\n');
    expect(fs.readFileSync(path.join(root, 'b-100'), 'utf8')).toBe('b100\n');
    await sh(`cd ${mnt} && rm -f a-* b-* lock`);
  }, 300_000);

  it('a read-only share refuses writes in the guest (EROFS)', async () => {
    const readOnly = await startShareProcess(root, ['--read-only']);
    const roMnt = path.join(base, 'ro');
    fs.mkdirSync(roMnt);
    fs.writeFileSync(path.join(root, 'keep.txt'), 'keep\n');
    try {
      await mountShare({ cid: 1, port: readOnly.port, mountpoint: roMnt });
      expect(await sh(`cat ${roMnt}/keep.txt`)).toBe('keep\n');
      const attempt = await sh(
        `echo x > ${roMnt}/new 2>&1 || true; rm ${roMnt}/keep.txt 2>&1 || true`,
      );
      expect(attempt).toMatch(/Read-only file system/);
      expect(fs.readdirSync(root)).toEqual(['keep.txt']);
    } finally {
      await sh(`umount -l ${roMnt}; true`);
      readOnly.child.kill();
      fs.rmSync(path.join(root, 'keep.txt'));
    }
  }, 120_000);

  it('the server stopping under the mount: calls fail, no hang', async () => {
    server.kill('SIGKILL');
    await new Promise((resolve) => server.once('exit', resolve));
    const started = Date.now();
    const result = await run('sh', ['-c', `ls ${mnt}; echo x > ${mnt}/after`], {
      timeout: 60_000,
    }).then(
      () => 'succeeded',
      (error: NodeJS.ErrnoException & { killed?: boolean; stderr?: string }) =>
        error.killed ? 'hung' : `failed: ${String(error.stderr).trim()}`,
    );
    console.log(`after the server died: ${result} in ${Date.now() - started} ms`);
    expect(result).toMatch(/^failed/);
  }, 120_000);
});
