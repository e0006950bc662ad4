/**
 * `vmci listen` and `vmci connect` as real processes on the real kernel (vsock_loopback, CID 1).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { requireHarnessGuest } from '@vmci/ffi/harness';
import { expect, it } from 'vitest';

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

it('pipes stdin through listen --echo and back to connect, across two processes', async () => {
  const port = String(20_000 + Math.floor(Math.random() * 10_000));
  const listener = vmci(['listen', port, '--echo']);
  const listenerDone = outputOf(listener);
  await new Promise<void>((resolve, reject) => {
    listener.stderr.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('listening on')) resolve();
    });
    listener.on('close', () => reject(new Error('listener exited early')));
  });
  const client = vmci(['connect', `local:${port}`]);
  client.stdin.end('hello from a real process\n');
  const result = await outputOf(client);
  expect(result).toMatchObject({ code: 0, stdout: 'hello from a real process\n' });
  expect((await listenerDone).code).toBe(0);
}, 60_000);

it('exits 1 with ECONNRESET on stderr when nobody listens', async () => {
  const client = vmci(['connect', 'local:9']);
  client.stdin.end();
  const result = await outputOf(client);
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(/^vmci: ECONNRESET: connect failed/);
}, 60_000);

/** Starts `vmci <args>` and resolves with the port it reports listening on (stderr). */
async function listening(args: string[]) {
  const child = vmci(args);
  const done = outputOf(child);
  const port = await new Promise<number>((resolve, reject) => {
    let seen = '';
    child.stderr.on('data', (chunk: Buffer) => {
      seen += chunk;
      const match = /listening on [^\n]*:(\d+)/.exec(seen);
      if (match) resolve(Number(match[1]));
    });
    child.on('close', () => reject(new Error(`vmci ${args.join(' ')} exited early: ${seen}`)));
  });
  return { child, port, done };
}

it('keeps SEQPACKET message boundaries between listen --seqpacket --echo and connect --seqpacket', async () => {
  const server = await listening(['listen', '0', '--seqpacket', '--echo']);
  const client = vmci(['connect', `local:${server.port}`, '--seqpacket', '--json']);
  client.stdin.end('first message\nsecond\n');
  const result = await outputOf(client);
  expect(result.code).toBe(0);
  const messages = result.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
  expect(messages).toEqual([
    { size: 13, text: 'first message' },
    { size: 6, text: 'second' },
  ]);
  expect((await server.done).code).toBe(0);
}, 60_000);

it('explains that this kernel refuses datagrams (listen --dgram exits 1 with ENODEV)', async () => {
  const child = vmci(['listen', '0', '--dgram']);
  child.stdin.end();
  const result = await outputOf(child);
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(/^vmci: ENODEV: .*datagram/im);
}, 60_000);

it('measures the kernel with bench --serve and a bench client process', async () => {
  const server = await listening(['bench', '--serve', '0']);
  const client = vmci([
    'bench',
    `local:${server.port}`,
    '--json',
    '--size',
    '16',
    '--round-trips',
    '300',
  ]);
  client.stdin.end();
  const result = await outputOf(client);
  expect(result.code).toBe(0);
  const report = JSON.parse(result.stdout);
  expect(report.bulk.bytes).toBe(16 * 2 ** 20);
  expect(report.roundTrip.count).toBe(300);
  expect(report.transport).toMatch(/^kernel \(backend (pipe|poll)\)$/);
  server.child.kill('SIGTERM');
  expect((await server.done).code).toBe(143);
}, 90_000);

it('runs demo --kernel: echo and HTTP over the local CID, policy on the virtual hypervisor', async () => {
  const child = vmci(['demo', '--kernel']);
  child.stdin.end();
  const result = await outputOf(child);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  expect(result.stdout).toMatch(/local → 1:\d+ {2}"hello over vsock" {2}← {2}"hello over vsock"/);
  expect(result.stdout).toMatch(/GET http:\/\/agent.local\/status via vsock 1:\d+ {2}← {2}200 /);
  expect(result.stdout).toContain('web → db:5432  "select 1"  ←  "select 1"');
}, 90_000);
