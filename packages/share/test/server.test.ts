/**
 * The server's operations through the client API, over the testkit's virtual hypervisor (no
 * kernel): what each call does to the shared directory, and the errors it answers.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GetattrMask, LockStatus, LockType, OpenFlags, SetattrMask } from '../src/index.js';
import { makeSandbox, type Sandbox, startShare } from './helpers.js';

let box: Sandbox;
let share: Awaited<ReturnType<typeof startShare>>;
beforeEach(async () => {
  box = makeSandbox();
  share = await startShare(box.root);
});
afterEach(async () => {
  await share.close();
  box.remove();
});

describe('files', () => {
  it('writes a file and reads it back (several messages long), as the directory shows it', async () => {
    const data = Buffer.alloc(3 * share.client.messageSize + 123);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7 + (i >> 9)) & 0xff;
    await share.client.writeFile('dir/big.bin', data);
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    expect(sha(fs.readFileSync(path.join(box.root, 'dir/big.bin')))).toBe(sha(data));
    expect(sha(await share.client.readFile('dir/big.bin'))).toBe(sha(data));
  });

  it('stats a file as lstat does', async () => {
    const st = fs.lstatSync(path.join(box.root, 'hello.txt'), { bigint: true });
    const attributes = await share.client.stat('hello.txt');
    expect(attributes.size).toBe(6n);
    expect(attributes.qid.path).toBe(st.ino);
    expect(attributes.mode).toBe(Number(st.mode));
    expect(attributes.mtimeSec).toBe(st.mtimeNs / 1_000_000_000n);
    expect(attributes.valid & GetattrMask.BASIC).toBe(GetattrMask.BASIC);
  });

  it('truncates, chmods and sets times with setattr', async () => {
    const { client } = share;
    const fid = await client.walk('hello.txt');
    await client.send('Tsetattr', {
      fid,
      valid: SetattrMask.SIZE | SetattrMask.MODE | SetattrMask.MTIME | SetattrMask.MTIME_SET,
      mode: 0o600,
      uid: 0,
      gid: 0,
      size: 2n,
      atimeSec: 0n,
      atimeNsec: 0n,
      mtimeSec: 1_000_000n,
      mtimeNsec: 0n,
    });
    await client.clunk(fid);
    const st = fs.statSync(path.join(box.root, 'hello.txt'));
    expect([st.size, st.mode & 0o777, st.mtimeMs]).toEqual([2, 0o600, 1_000_000_000]);
  });

  it('never sets the set-user-ID or set-group-ID bits', async () => {
    const { client } = share;
    await client.writeFile('suid', Buffer.from('#!/bin/sh\n'), 0o6755);
    await client.mkdir('sgid', 0o2775);
    const fid = await client.walk('hello.txt');
    const times = { atimeSec: 0n, atimeNsec: 0n, mtimeSec: 0n, mtimeNsec: 0n };
    await client.send('Tsetattr', {
      fid,
      valid: SetattrMask.MODE,
      mode: 0o4777,
      uid: 0,
      gid: 0,
      size: 0n,
      ...times,
    });
    await client.clunk(fid);
    expect(fs.statSync(path.join(box.root, 'suid')).mode & 0o7000).toBe(0);
    expect(fs.statSync(path.join(box.root, 'sgid')).mode & 0o4000).toBe(0);
    expect(fs.statSync(path.join(box.root, 'hello.txt')).mode & 0o7777).toBe(0o777);
  });

  it('appends with O_APPEND and fsyncs', async () => {
    const { client } = share;
    const fid = await client.walk('hello.txt');
    await client.send('Tlopen', { fid, flags: OpenFlags.WRONLY | OpenFlags.APPEND });
    await client.send('Twrite', { fid, offset: 0n, data: Buffer.from('more\n') });
    await client.send('Tfsync', { fid, datasync: 0 });
    await client.clunk(fid);
    expect(fs.readFileSync(path.join(box.root, 'hello.txt'), 'utf8')).toBe('hello\nmore\n');
  });

  it('answers EBADF for a read on a fid that is not open, and for unknown fids', async () => {
    const { client } = share;
    const fid = await client.walk('hello.txt');
    await expect(client.send('Tread', { fid, offset: 0n, count: 10 })).rejects.toMatchObject({
      code: 'EBADF',
    });
    await expect(client.send('Tclunk', { fid: 999 })).rejects.toMatchObject({ code: 'EBADF' });
    await client.clunk(fid);
  });

  it('reports ENOENT for a missing file', async () => {
    await expect(share.client.readFile('nope')).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('directories and names', () => {
  it('mkdir, readdir, rename, unlink, rmdir', async () => {
    const { client } = share;
    await client.mkdir('new');
    for (let i = 0; i < 300; i++) await client.writeFile(`new/f${i}`, Buffer.from(String(i)));
    const names = (await client.readdir('new')).map((entry) => entry.name).sort();
    expect(names).toEqual(fs.readdirSync(path.join(box.root, 'new')).sort());
    expect(names).toHaveLength(300);
    await client.rename('new/f1', 'dir/moved');
    expect(fs.readFileSync(path.join(box.root, 'dir/moved'), 'utf8')).toBe('1');
    await client.unlink('dir/moved');
    expect(fs.existsSync(path.join(box.root, 'dir/moved'))).toBe(false);
    await expect(client.unlink('new', true)).rejects.toMatchObject({ code: 'ENOTEMPTY' });
    await expect(client.unlink('dir')).rejects.toMatchObject({ code: 'EISDIR' });
    await client.mkdir('empty');
    await client.unlink('empty', true);
    expect(fs.existsSync(path.join(box.root, 'empty'))).toBe(false);
  });

  it('a fid follows its file through a rename of its directory', async () => {
    const { client } = share;
    const fid = await client.walk('dir/file');
    await client.rename('dir', 'renamed');
    const reply = await client.send('Treadlink', { fid }).catch((error) => error);
    expect(reply).toMatchObject({ code: 'EINVAL' }); // not a link, but the fid still resolves
    await client.send('Tlopen', { fid, flags: OpenFlags.RDONLY });
    const { data } = await client.send('Tread', { fid, offset: 0n, count: 100 });
    expect(Buffer.from(data).toString()).toBe('inside\n');
    // A rename through the moved fid's parent works on the new path.
    await client.send('Trename', { fid, dfid: 0, name: 'top' });
    expect(fs.readFileSync(path.join(box.root, 'top'), 'utf8')).toBe('inside\n');
    await client.clunk(fid);
  });

  it('symlink and readlink store the target as text; link makes a hard link', async () => {
    const { client } = share;
    await client.symlink('../../anywhere', 'dir/link');
    expect(fs.readlinkSync(path.join(box.root, 'dir/link'))).toBe('../../anywhere');
    expect(await client.readlink('dir/link')).toBe('../../anywhere');
    await client.link('hello.txt', 'dir/hard');
    expect(fs.statSync(path.join(box.root, 'hello.txt')).nlink).toBe(2);
    expect(fs.readFileSync(path.join(box.root, 'dir/hard'), 'utf8')).toBe('hello\n');
  });

  it('refuses names with a slash, "..", "." or NUL', async () => {
    const { client } = share;
    for (const name of ['a/b', '..', '.', 'x\0y', ''])
      await expect(
        client.send('Tmkdir', { dfid: 0, name, mode: 0o755, gid: 0 }),
      ).rejects.toMatchObject({ code: 'EINVAL' });
  });

  it('statfs reports the file system of the root', async () => {
    const { client } = share;
    const reply = await client.send('Tstatfs', { fid: 0 });
    const st = fs.statfsSync(box.root);
    expect(reply.bsize).toBe(st.bsize);
    expect(reply.namelen).toBe(255);
  });
});

describe('protocol', () => {
  it('grants locks and reports none held, so flock users work', async () => {
    const { client } = share;
    const fid = await client.walk('hello.txt');
    await client.send('Tlopen', { fid, flags: OpenFlags.RDWR });
    const lock = { fid, flags: 0, start: 0n, length: 0n, procId: 42, clientId: 'guest' };
    expect((await client.send('Tlock', { ...lock, lockType: LockType.WRLCK })).status).toBe(
      LockStatus.SUCCESS,
    );
    const held = await client.send('Tgetlock', { ...lock, lockType: LockType.WRLCK });
    expect(held.lockType).toBe(LockType.UNLCK);
    expect((await client.send('Tlock', { ...lock, lockType: LockType.UNLCK })).status).toBe(
      LockStatus.SUCCESS,
    );
    await client.clunk(fid);
  });

  it('answers xattr calls, mknod and auth with EOPNOTSUPP', async () => {
    const { client } = share;
    await expect(
      client.send('Txattrwalk', { fid: 0, newfid: 7, name: 'user.x' }),
    ).rejects.toMatchObject({
      code: 'EOPNOTSUPP',
    });
    await expect(
      client.send('Txattrcreate', { fid: 0, name: 'user.x', attrSize: 1n, flags: 0 }),
    ).rejects.toMatchObject({ code: 'EOPNOTSUPP' });
    await expect(
      client.send('Tmknod', { dfid: 0, name: 'fifo', mode: 0o10644, major: 0, minor: 0, gid: 0 }),
    ).rejects.toMatchObject({ code: 'EOPNOTSUPP' });
  });

  it('flush answers Rflush', async () => {
    await expect(share.client.send('Tflush', { oldtag: 3 })).resolves.toMatchObject({
      type: 'Rflush',
    });
  });

  it('many requests in flight are all answered, each with its own tag', async () => {
    const { client } = share;
    const stats = await Promise.all(
      Array.from({ length: 200 }, () => client.send('Tgetattr', { fid: 0, requestMask: 0x7ffn })),
    );
    expect(new Set(stats.map((reply) => reply.tag)).size).toBe(200);
    expect(client.inFlight).toBe(0);
  });
});
