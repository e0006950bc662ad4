/**
 * `vmci recv` and `vmci send` as real processes on the real kernel (vsock_loopback, CID 1): an
 * 8 MiB random file crosses intact and nothing temporary is left behind; Ctrl-C on the sender
 * ends it with one line.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireHarnessGuest } from '@vmci/ffi/harness';
import { afterEach, beforeEach, expect, it } from 'vitest';
import {
  killLeftovers,
  listening,
  outputOf,
  runVmci,
  vmci,
  watchStderr,
} from './helpers/vmci-process.js';

requireHarnessGuest();
afterEach(killLeftovers);

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

  const receiver = await listening(['recv', '0', '--dir', incoming, '--json']);
  const sent = await runVmci(['send', `local:${receiver.port}`, source, '--json']);
  expect(sent.stderr).toBe('');
  expect(sent.code).toBe(0);
  const recv = await receiver.done;
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

  const receiver = await listening(['recv', '0', '--dir', incoming]);
  const sent = await runVmci(['send', `local:${receiver.port}`, source]);
  expect(sent.code).toBe(1);
  expect(sent.stderr).toMatch(/^vmci: EEXIST: 'taken\.txt' already exists/);
  expect((await receiver.done).code).toBe(1);
  expect(readdirSync(incoming)).toEqual(['taken.txt']);
  expect(readFileSync(join(incoming, 'taken.txt'), 'utf8')).toBe('old');
}, 120_000);

it('Ctrl-C while waiting for the receiver: vmci send exits 130 with one line, no stack trace', async () => {
  const source = join(work, 'stuck.bin');
  writeFileSync(source, 'never confirmed');
  // A peer that takes the connection but never answers: the sender waits for its go-ahead.
  const silent = await listening(['listen', '0']);
  const connected = watchStderr(silent.child).waitFor(/connection from/);
  const sender = vmci(['send', `local:${silent.port}`, source]);
  const sent = outputOf(sender);
  await connected;
  sender.kill('SIGINT');
  const result = await sent;
  expect(result.stderr).toBe(
    'vmci: ERR_VMCI_TRANSFER_INTERRUPTED: vmci send was stopped before the receiver confirmed every file: 0 of 1 stored; the receiver deletes what it got of the file in progress, so send the rest again\n',
  );
  expect(result.code).toBe(130);
}, 60_000);
