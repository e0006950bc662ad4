/**
 * `vmci proxy` as a real process on the real kernel (vsock_loopback, CID 1): TCP → vsock to a
 * `vmci listen --echo` process, vsock → TCP for a `vmci connect` process, and Unix → vsock with a
 * SIGTERM at the end.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireHarnessGuest } from '@vmci/ffi/harness';
import { afterEach, expect, it } from 'vitest';
import { exchange, tcpClient, unixClient } from '../test/proxy-helpers.js';
import {
  exited,
  killLeftovers,
  listening,
  runVmci,
  vmci,
  watchStderr,
} from './helpers/vmci-process.js';

requireHarnessGuest();
afterEach(killLeftovers);

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const randomPort = () => 20_000 + Math.floor(Math.random() * 10_000);

/**
 * Starts `vmci proxy --from FROM --to TO --allow ALLOW` (ALLOW: the target itself unless given)
 * and resolves with the process and its `listening` event.
 */
async function startProxy(from: string, to: string, allow = to) {
  const child = vmci(['proxy', '--from', from, '--to', to, '--allow', allow]);
  const stderr = watchStderr(child);
  const match = await stderr.waitFor(/^(\{"time".*"event":"listening".*\})$/m);
  const listening = JSON.parse(match[1] as string) as { port?: number; from: string };
  return { child, stderr, listening };
}

it('tcp → vsock: a TCP client reaches a `vmci listen --echo` process, 1 MiB intact', async () => {
  const port = String(randomPort());
  const listener = await listening(['listen', port, '--echo']);
  const proxy = await startProxy('tcp:127.0.0.1:0', `vsock:local:${port}`);
  expect(proxy.listening.from).toBe(`tcp:127.0.0.1:${proxy.listening.port}`);

  const data = randomBytes(1024 * 1024);
  const socket = await tcpClient(proxy.listening.port as number);
  const reply = await exchange(socket, data);
  expect(sha256(reply)).toBe(sha256(data));
  socket.destroy();

  await proxy.stderr.waitFor(/"event":"closed".*"reason":"done"/);
  proxy.child.kill('SIGTERM');
  expect(await exited(proxy.child)).toBe(143);
  expect(proxy.stderr.text()).toMatch(/"event":"stopped".*"connections":1/);
  expect((await listener.done).code).toBe(0);
}, 60_000);

it('vsock → tcp: `vmci connect` reaches a TCP echo server through the proxy', async () => {
  const echoServer = createNetServer({ allowHalfOpen: true }, (socket) => socket.pipe(socket));
  await new Promise<void>((resolve) => echoServer.listen(0, '127.0.0.1', resolve));
  const tcpPort = (echoServer.address() as { port: number }).port;
  try {
    const proxy = await startProxy('vsock:0', `tcp:127.0.0.1:${tcpPort}`);
    expect(proxy.listening.from).toBe(`vsock:any:${proxy.listening.port}`);

    const client = await runVmci(
      ['connect', `local:${proxy.listening.port}`],
      'hello from a vsock client\n',
    );
    expect(client).toMatchObject({ code: 0, stdout: 'hello from a vsock client\n' });
    await proxy.stderr.waitFor(/"event":"closed".*"from":"vsock:1:\d+".*"reason":"done"/);
    proxy.child.kill('SIGTERM');
    expect(await exited(proxy.child)).toBe(143);
  } finally {
    await new Promise((resolve) => echoServer.close(resolve));
  }
}, 60_000);

it('unix → vsock, then SIGTERM stops the proxy and removes its socket file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vmci-proxy-vm-'));
  try {
    const port = String(randomPort());
    const listener = await listening(['listen', port, '--echo']);
    const path = join(dir, 'agent.sock');
    const proxy = await startProxy(`unix:${path}`, `vsock:1:${port}`, `vsock:local:${port}`);
    const socket = await unixClient(path);
    expect((await exchange(socket, Buffer.from('over unix'))).toString()).toBe('over unix');
    socket.destroy();
    proxy.child.kill('SIGTERM');
    expect(await exited(proxy.child)).toBe(143);
    expect(existsSync(path)).toBe(false);
    expect((await listener.done).code).toBe(0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);

it('a target nobody listens on: the client is closed, ECONNRESET is logged, it keeps serving', async () => {
  const port = String(randomPort());
  const proxy = await startProxy('tcp:127.0.0.1:0', `vsock:local:${port}`);
  const socket = await tcpClient(proxy.listening.port as number);
  await new Promise((resolve) => socket.once('close', resolve));
  await proxy.stderr.waitFor(/"event":"error".*"code":"ECONNRESET"/);

  await listening(['listen', port, '--echo']);
  const again = await tcpClient(proxy.listening.port as number);
  expect((await exchange(again, Buffer.from('now it works'))).toString()).toBe('now it works');
  again.destroy();
  proxy.child.kill('SIGTERM');
  expect(await exited(proxy.child)).toBe(143);
}, 60_000);
