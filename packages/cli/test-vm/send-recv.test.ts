/**
 * `vmci recv` and `vmci send` as real processes on the real kernel (vsock_loopback, CID 1): an
 * 8 MiB random file crosses intact and nothing temporary is left behind.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireHarnessGuest } from '@vmci/ffi/harness';
import { afterEach, beforeEach, expect, it } from 'vitest';

requireHarnessGuest();

const root = fileURLToPath(new URL('..', import.meta.url));
const vmci = (args: string[]) =>
  spawn(process.execPath, ['--import', 'tsx', 'src/bin.ts', ...args], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'pipe'],
  });

function outputOf(
  child: ReturnType<typeof vmci>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk;
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Resolves with the port `vmci recv` printed on stderr. */
function listeningPort(child: ReturnType<typeof vmci>): Promise<number> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk;
      const match = /listening on vsock any:(\d+)\n/.exec(stderr);
      if (match) resolve(Number(match[1]));
    });
    child.on('close', (code) => reject(new Error(`recv exited ${code} early: ${stderr}`)));
  });
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
let work: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'vmci-vm-transfer-'));
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

it('sends an 8 MiB file from one process to another: exit 0, same SHA-256, no temp files', async () => {
  const incoming = join(work, 'incoming');
  mkdirSync(incoming);
  const content = randomBytes(8 * 2 ** 20);
  const source = join(work, 'payload.bin');
  writeFileSync(source, content);

  const receiver = vmci(['recv', '0', '--dir', incoming, '--json']);
  const received = outputOf(receiver);
  const port = await listeningPort(receiver);
  const sender = vmci(['send', `local:${port}`, source, '--json']);
  const sent = await outputOf(sender);
  expect(sent.stderr).toBe('');
  expect(sent.code).toBe(0);
  const recv = await received;
  expect(recv.code).toBe(0);

  expect(readdirSync(incoming)).toEqual(['payload.bin']);
  expect(sha256(readFileSync(join(incoming, 'payload.bin')))).toBe(sha256(content));
  expect(JSON.parse(sent.stdout)).toMatchObject({
    name: 'payload.bin',
    size: content.length,
    sha256: sha256(content),
  });
  expect(JSON.parse(recv.stdout)).toMatchObject({
    name: 'payload.bin',
    size: content.length,
    sha256: sha256(content),
    remoteCid: 1,
  });
}, 120_000);

it('refuses an existing file: both processes exit 1 with EEXIST and the file is untouched', async () => {
  const incoming = join(work, 'incoming');
  mkdirSync(incoming);
  writeFileSync(join(incoming, 'taken.txt'), 'old');
  const source = join(work, 'taken.txt');
  writeFileSync(source, 'new');

  const receiver = vmci(['recv', '0', '--dir', incoming]);
  const received = outputOf(receiver);
  const port = await listeningPort(receiver);
  const sent = await outputOf(vmci(['send', `local:${port}`, source]));
  expect(sent.code).toBe(1);
  expect(sent.stderr).toMatch(/^vmci: EEXIST: 'taken\.txt' already exists/);
  expect((await received).code).toBe(1);
  expect(readdirSync(incoming)).toEqual(['taken.txt']);
  expect(readFileSync(join(incoming, 'taken.txt'), 'utf8')).toBe('old');
}, 120_000);
