/**
 * Nothing outside the shared directory is reachable: not through `..`, not through symlinks (in a
 * walk, as a directory fid, opened, created over, set attributes on), not through a race that swaps
 * a directory for a link while requests run, not onto another file system mounted beneath it;
 * `readOnly` refuses every change; `allowFrom` limits who attaches; msize is bounded by the
 * server's buffer.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OpenFlags, QidType, SetattrMask } from '../src/index.js';
import { makeSandbox, type Sandbox, startShare } from './helpers.js';

let box: Sandbox;
let before: Record<string, string>;
beforeEach(() => {
  box = makeSandbox();
  before = box.snapshotOutside();
});
afterEach(() => {
  // Whatever a test did, the outside directory is as it was.
  expect(box.snapshotOutside()).toEqual(before);
  box.remove();
});

describe('escapes', () => {
  it('`..` from the root stays at the root', async () => {
    const share = await startShare(box.root);
    const { client } = share;
    const rootQid = await client.send('Tgetattr', { fid: 0, requestMask: 1n });
    const fid = client.allocateFid();
    const reply = await client.send('Twalk', {
      fid: 0,
      newfid: fid,
      names: ['..', '..', 'dir', '..', '..'],
    });
    expect(reply.qids.at(-1)?.path).toBe(rootQid.qid.path);
    await expect(client.readFile('../outside/secret')).rejects.toMatchObject({ code: 'ENOENT' });
    await share.close();
  });

  it('a walk never passes through a symlink', async () => {
    const share = await startShare(box.root);
    const { client } = share;
    // The link itself can be named (readlink needs that) …
    expect(await client.readlink('escape')).toBe('../outside');
    // … but never walked through, opened or used as a directory.
    const fid = client.allocateFid();
    const walked = await client.send('Twalk', { fid: 0, newfid: fid, names: ['escape', 'secret'] });
    expect(walked.qids.map((qid) => qid.type)).toEqual([QidType.SYMLINK]); // stopped at the link
    await expect(client.send('Tclunk', { fid })).rejects.toMatchObject({ code: 'EBADF' });
    await expect(client.readFile('escape/secret')).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(client.readFile('secret-link')).rejects.toMatchObject({ code: 'ELOOP' });
    await expect(client.readdir('etc')).rejects.toMatchObject({ code: 'ELOOP' });
    await expect(client.writeFile('escape/new', Buffer.from('x'))).rejects.toMatchObject({
      code: 'ENOTDIR',
    });
    await share.close();
  });

  it('a symlink fid is no directory: mkdir, create, symlink and rename beneath it fail', async () => {
    const share = await startShare(box.root);
    const { client } = share;
    const link = await client.walk('escape');
    await expect(
      client.send('Tmkdir', { dfid: link, name: 'm', mode: 0o755, gid: 0 }),
    ).rejects.toThrow();
    await expect(
      client.send('Tlcreate', {
        fid: link,
        name: 'c',
        flags: OpenFlags.WRONLY,
        mode: 0o644,
        gid: 0,
      }),
    ).rejects.toThrow();
    await expect(
      client.send('Tsymlink', { fid: link, name: 's', target: 'x', gid: 0 }),
    ).rejects.toThrow();
    await expect(
      client.send('Trenameat', {
        olddirfid: link,
        oldname: 'secret',
        newdirfid: 0,
        newname: 'stolen',
      }),
    ).rejects.toThrow();
    await expect(
      client.send('Tunlinkat', { dfid: link, name: 'secret', flags: 0 }),
    ).rejects.toThrow();
    await expect(client.send('Tstatfs', { fid: link })).resolves.toBeTruthy(); // the link's own fs
    expect(fs.existsSync(path.join(box.root, 'stolen'))).toBe(false);
    await share.close();
  });

  it('creating over a symlink refuses (O_NOFOLLOW) instead of writing its target', async () => {
    const share = await startShare(box.root);
    const { client } = share;
    await expect(client.writeFile('secret-link', Buffer.from('pwned'))).rejects.toMatchObject({
      code: 'ELOOP',
    });
    await share.close();
  });

  it('setattr on a symlink changes the link, never its target', async () => {
    const share = await startShare(box.root);
    const { client } = share;
    const fid = await client.walk('secret-link');
    const base = {
      uid: 0,
      gid: 0,
      size: 0n,
      atimeSec: 0n,
      atimeNsec: 0n,
      mtimeSec: 5n,
      mtimeNsec: 0n,
    };
    await expect(
      client.send('Tsetattr', { fid, valid: SetattrMask.MODE, mode: 0o777, ...base }),
    ).rejects.toMatchObject({ code: 'EOPNOTSUPP' });
    await expect(
      client.send('Tsetattr', { fid, valid: SetattrMask.SIZE, mode: 0, ...base }),
    ).rejects.toMatchObject({ code: 'EINVAL' });
    await client.send('Tsetattr', {
      fid,
      valid: SetattrMask.MTIME | SetattrMask.MTIME_SET,
      mode: 0,
      ...base,
    });
    expect(fs.lstatSync(path.join(box.root, 'secret-link')).mtimeMs).toBe(5000);
    await client.clunk(fid);
    await share.close();
  });

  it('a hard link of a symlink links the symlink, not its target', async () => {
    const share = await startShare(box.root);
    const { client } = share;
    await client.link('secret-link', 'dir/linked');
    expect(fs.lstatSync(path.join(box.root, 'dir/linked')).isSymbolicLink()).toBe(true);
    await share.close();
  });

  it('a race that swaps a directory for a link to the outside never reaches the outside', async () => {
    const share = await startShare(box.root);
    const { client } = share;
    const real = path.join(box.root, 'race');
    fs.mkdirSync(real);
    fs.writeFileSync(path.join(real, 'secret'), 'inside race\n');
    // Another process swaps root/race between a real directory and a symlink to ../outside as
    // fast as it can, while the server walks, reads and creates through it.
    const script = `
      const fs = require('fs');
      const [real, parked, link] = process.argv.slice(1);
      fs.symlinkSync('../outside', link);
      const end = Date.now() + 1e9;
      let i = 0;
      for (;;) {
        if (i++ % 2) { fs.renameSync(real, parked); fs.renameSync(link, real); }
        else { fs.renameSync(real, link); fs.renameSync(parked, real); }
        if (Date.now() > end) break;
      }`;
    const swapper = spawn(process.execPath, [
      '-e',
      script,
      real,
      path.join(box.root, 'parked'),
      path.join(box.root, 'race-link'),
    ]);
    let reads = 0;
    let creates = 0;
    try {
      for (let attempt = 0; attempt < 600; attempt++) {
        const content = await client.readFile('race/secret').catch(() => undefined);
        if (content) {
          reads++;
          expect(content.toString()).toBe('inside race\n');
        }
        const created = await client
          .writeFile(`race/new${attempt}`, Buffer.from('x'))
          .then(() => true)
          .catch(() => false);
        if (created) creates++;
      }
    } finally {
      swapper.kill();
    }
    // Some requests got through the real directory; none reached the outside (afterEach checks
    // that nothing appeared or changed there).
    expect(reads + creates).toBeGreaterThan(0);
    expect(fs.readdirSync(box.outside)).toEqual(['secret']);
    await share.close();
  });
});

describe('policies', () => {
  it('read-only refuses every change with EROFS and still reads', async () => {
    const share = await startShare(box.root, { readOnly: true });
    const { client } = share;
    expect((await client.readFile('hello.txt')).toString()).toBe('hello\n');
    const refused = { code: 'EROFS' };
    await expect(client.writeFile('new', Buffer.from('x'))).rejects.toMatchObject(refused);
    await expect(client.mkdir('d')).rejects.toMatchObject(refused);
    await expect(client.unlink('hello.txt')).rejects.toMatchObject(refused);
    await expect(client.rename('hello.txt', 'x')).rejects.toMatchObject(refused);
    await expect(client.symlink('t', 'l')).rejects.toMatchObject(refused);
    await expect(client.link('hello.txt', 'h')).rejects.toMatchObject(refused);
    const fid = await client.walk('hello.txt');
    await expect(client.send('Tlopen', { fid, flags: OpenFlags.RDWR })).rejects.toMatchObject(
      refused,
    );
    await expect(
      client.send('Tlopen', { fid, flags: OpenFlags.RDONLY | OpenFlags.TRUNC }),
    ).rejects.toMatchObject(refused);
    await expect(
      client.send('Tsetattr', {
        fid,
        valid: SetattrMask.SIZE,
        mode: 0,
        uid: 0,
        gid: 0,
        size: 0n,
        atimeSec: 0n,
        atimeNsec: 0n,
        mtimeSec: 0n,
        mtimeNsec: 0n,
      }),
    ).rejects.toMatchObject(refused);
    await expect(client.send('Tremove', { fid })).rejects.toMatchObject(refused);
    expect(fs.readFileSync(path.join(box.root, 'hello.txt'), 'utf8')).toBe('hello\n');
    await share.close();
  });

  it('a mount point beneath the root is EXDEV unless crossMounts (the share stays on one file system)', async () => {
    // `/` shared read-only: /proc is always another file system than the one `/` is on.
    expect(fs.statSync('/proc').dev).not.toBe(fs.statSync('/').dev);
    const oneFs = await startShare('/', { readOnly: true });
    await expect(oneFs.client.stat('proc')).rejects.toMatchObject({ code: 'EXDEV' });
    await expect(oneFs.client.readFile('proc/self/status')).rejects.toMatchObject({
      code: 'EXDEV',
    });
    expect((await oneFs.client.readdir('')).map((entry) => entry.name)).toContain('proc');
    await oneFs.close();
    const crossing = await startShare('/', { readOnly: true, crossMounts: true });
    expect((await crossing.client.stat('proc')).qid.type & QidType.DIR).toBe(QidType.DIR);
    await crossing.close();
  });

  it('allowFrom refuses an attach from a CID not on the list', async () => {
    await expect(startShare(box.root, { allowFrom: [4] })).rejects.toMatchObject({
      code: 'EACCES',
    });
    const allowed = await startShare(box.root, { allowFrom: [3] });
    expect((await allowed.client.readFile('hello.txt')).toString()).toBe('hello\n');
    await allowed.close();
  });

  it('msize is the smaller of what the client asks and the server allows', async () => {
    const small = await startShare(box.root, { maxMessageSize: 8192 }, 1024 * 1024);
    expect(small.client.messageSize).toBe(8192);
    await small.close();
    const asked = await startShare(box.root, {}, 16384);
    expect(asked.client.messageSize).toBe(16384);
    await asked.close();
    await expect(startShare(box.root, {}, 100)).rejects.toMatchObject({
      code: 'ERR_VMCI_SHARE_UNSUPPORTED_VERSION',
    });
  });

  it('a message larger than the negotiated msize closes the connection', async () => {
    const share = await startShare(box.root, { maxMessageSize: 8192 });
    const big = Buffer.alloc(20000);
    big.writeUInt32LE(20000, 0);
    big.writeUInt8(118, 4);
    (share.client as unknown as { stream: { write(b: Buffer): void } }).stream.write(big);
    await expect(share.client.send('Tgetattr', { fid: 0, requestMask: 1n })).rejects.toMatchObject({
      code: 'ERR_VMCI_SOCKET_CLOSED',
    });
    await share.close();
  });

  it('rejects a bad root and bad options with typed errors', async () => {
    const { createShareServer } = await import('../src/index.js');
    expect(() => createShareServer({ root: path.join(box.base, 'missing') })).toThrow(
      expect.objectContaining({ code: 'ERR_VMCI_SHARE_ROOT' }),
    );
    expect(() => createShareServer({ root: box.root, maxMessageSize: 10 })).toThrow(
      expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }),
    );
    expect(() => createShareServer({ root: box.root, allowFrom: [-1] })).toThrow(
      expect.objectContaining({ code: 'ERR_VMCI_INVALID_ADDRESS' }),
    );
  });
});
