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
