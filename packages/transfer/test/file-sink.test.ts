/**
 * The file sink: data lands under its final name only after its hash matched, atomically; every
 * failure or abort leaves the directory as it was.
 */
import { createHash } from 'node:crypto';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileSink, PARTIAL_MARKER, partialFileName } from '../src/file-sink.js';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest();
const data = Buffer.from('the quick brown fox');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vmci-sink-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function write(sink: FileSink, bytes: Buffer) {
  // Uneven pieces, as a socket delivers them.
  for (let offset = 0; offset < bytes.length; offset += 7)
    await sink.write(bytes.subarray(offset, offset + 7));
}

describe('FileSink', () => {
  it('writes into a hidden temporary file, then renames it when the hash matches', async () => {
    const sink = await FileSink.open({ dir, name: 'fox.txt', size: data.length });
    expect(readdirSync(dir)).toEqual([
      expect.stringMatching(/^\.fox\.txt\.vmci-partial-[0-9a-f]{12}$/),
    ]);
    await write(sink, data);
    const stored = await sink.commit(sha256(data));
    expect(stored).toEqual({
      name: 'fox.txt',
      path: join(dir, 'fox.txt'),
      size: data.length,
      sha256: sha256(data).toString('hex'),
    });
    expect(readdirSync(dir)).toEqual(['fox.txt']);
    expect(readFileSync(join(dir, 'fox.txt'))).toEqual(data);
  });

  it('stores an empty file', async () => {
    const sink = await FileSink.open({ dir, name: 'empty', size: 0 });
    await sink.commit(sha256(Buffer.alloc(0)));
    expect(readFileSync(join(dir, 'empty')).length).toBe(0);
  });

  it('deletes the temporary file and stores nothing on a hash mismatch', async () => {
    const sink = await FileSink.open({ dir, name: 'fox.txt', size: data.length });
    await write(sink, data);
    await expect(sink.commit(sha256(Buffer.from('something else')))).rejects.toMatchObject({
      code: 'ERR_VMCI_TRANSFER_HASH_MISMATCH',
      message: expect.stringMatching(/corrupted.*send it again/),
    });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses to commit fewer bytes than announced', async () => {
    const sink = await FileSink.open({ dir, name: 'short', size: data.length + 1 });
    await write(sink, data);
    await expect(sink.commit(sha256(data))).rejects.toMatchObject({
      code: 'ERR_VMCI_TRANSFER_TRUNCATED',
    });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses more bytes than announced', async () => {
    const sink = await FileSink.open({ dir, name: 'long', size: 3 });
    await expect(sink.write(data)).rejects.toMatchObject({ code: 'ERR_VMCI_TRANSFER_BAD_FRAME' });
    await sink.abort();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('deletes the temporary file on abort, and abort is idempotent', async () => {
    const sink = await FileSink.open({ dir, name: 'fox.txt', size: data.length });
    await sink.write(data.subarray(0, 4));
    await sink.abort();
    await sink.abort();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses an existing file before creating anything (EEXIST)', async () => {
    writeFileSync(join(dir, 'fox.txt'), 'old');
    await expect(FileSink.open({ dir, name: 'fox.txt', size: 1 })).rejects.toMatchObject({
      code: 'EEXIST',
      message: expect.stringMatching(/already exists.*--overwrite/),
    });
    expect(readdirSync(dir)).toEqual(['fox.txt']);
  });

  it('refuses a dangling symlink under the final name too', async () => {
    symlinkSync(join(dir, 'nowhere'), join(dir, 'link'));
    await expect(FileSink.open({ dir, name: 'link', size: 1 })).rejects.toMatchObject({
      code: 'EEXIST',
    });
  });

  it('does not replace a file that appeared while receiving', async () => {
    const sink = await FileSink.open({ dir, name: 'fox.txt', size: data.length });
    await write(sink, data);
    writeFileSync(join(dir, 'fox.txt'), 'written meanwhile');
    await expect(sink.commit(sha256(data))).rejects.toMatchObject({ code: 'EEXIST' });
    expect(readFileSync(join(dir, 'fox.txt'), 'utf8')).toBe('written meanwhile');
    expect(readdirSync(dir)).toEqual(['fox.txt']);
  });

  it('replaces an existing file with overwrite', async () => {
    writeFileSync(join(dir, 'fox.txt'), 'old');
    const sink = await FileSink.open({ dir, name: 'fox.txt', size: data.length, overwrite: true });
    await write(sink, data);
    await sink.commit(sha256(data));
    expect(readFileSync(join(dir, 'fox.txt'))).toEqual(data);
    expect(readdirSync(dir)).toEqual(['fox.txt']);
  });

  it('refuses a file over maxSize before creating anything', async () => {
    await expect(FileSink.open({ dir, name: 'big', size: 11, maxSize: 10 })).rejects.toMatchObject({
      code: 'ERR_VMCI_TRANSFER_TOO_LARGE',
      message: "'big' is 11 bytes, more than the receiver's --max-size of 10: not stored",
    });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('accepts a file of exactly maxSize', async () => {
    const sink = await FileSink.open({ dir, name: 'edge', size: 10, maxSize: 10 });
    await sink.abort();
  });

  it('refuses an invalid name before touching the directory', async () => {
    await expect(FileSink.open({ dir, name: '../escape', size: 1 })).rejects.toMatchObject({
      code: 'ERR_VMCI_TRANSFER_NAME_INVALID',
    });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('says what to do, keeping the errno code, when the directory has gone away', async () => {
    const gone = join(dir, 'gone');
    await expect(FileSink.open({ dir: gone, name: 'fox.txt', size: 1 })).rejects.toMatchObject({
      code: 'ENOENT',
      message: `cannot store 'fox.txt' in ${gone}: the directory no longer exists: create it again (mkdir -p), or receive into another --dir`,
    });
  });

  it('says what to do when a directory is in the way of an overwrite, and leaves it', async () => {
    mkdirSync(join(dir, 'fox.txt'));
    const sink = await FileSink.open({ dir, name: 'fox.txt', size: data.length, overwrite: true });
    await write(sink, data);
    await expect(sink.commit(sha256(data))).rejects.toMatchObject({
      code: 'EISDIR',
      message: `cannot store 'fox.txt' in ${dir}: a directory of that name is in the way: remove it, or send the file under another --name`,
    });
    expect(readdirSync(dir)).toEqual(['fox.txt']);
  });

  it('keeps temporary names within 255 bytes for the longest names', () => {
    const name = 'é'.repeat(127);
    const temp = partialFileName(name);
    expect(Buffer.byteLength(temp)).toBeLessThanOrEqual(255);
    expect(temp).toContain(PARTIAL_MARKER);
    expect(temp.startsWith('.é')).toBe(true);
  });

  it('stores a 255-byte name', async () => {
    const name = 'n'.repeat(255);
    const sink = await FileSink.open({ dir, name, size: data.length });
    await write(sink, data);
    await sink.commit(sha256(data));
    expect(readdirSync(dir)).toEqual([name]);
  });
});
