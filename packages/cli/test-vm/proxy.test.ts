/**
 * `vmci proxy` as a real process on the real kernel (vsock_loopback, CID 1): TCP → vsock to a
 * `vmci listen --echo` process, vsock → TCP for a `vmci connect` process, and Unix → vsock with a
 * SIGTERM at the end.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect as connectNet, createServer as createNetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireHarnessGuest } from '@vmci/ffi/harness';
import { afterEach, expect, it } from 'vitest';

requireHarnessGuest();

const root = fileURLToPath(new URL('..', import.meta.url));
const children = new Set<ChildProcessWithoutNullStreams>();

function vmci(args: string[]): ChildProcessWithoutNullStreams {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/bin.ts', ...args], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.add(child);
  child.once('close', () => children.delete(child));
  return child;
}

afterEach(() => {
  for (const child of children) child.kill('SIGKILL');
});

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const randomPort = () => 20_000 + Math.floor(Math.random() * 10_000);

/** The child's stderr so far, and a wait for a line that matches. */
function watchStderr(child: ChildProcessWithoutNullStreams) {
  let text = '';
  child.stderr.on('data', (chunk: Buffer) => {
    text += chunk;
  });
  return {
    text: () => text,
    waitFor(pattern: RegExp): Promise<RegExpExecArray> {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(text);
          if (!match) return;
          child.stderr.off('data', check);
          child.off('close', onClose);
          resolve(match);
        };
        const onClose = () => reject(new Error(`exited before ${pattern}; stderr:\n${text}`));
        child.stderr.on('data', check);
        child.once('close', onClose);
        check();
      });
    },
  };
}

function exited(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('close', (code) => resolve(code)));
}

/** Starts `vmci proxy …` and resolves with the process and the port its `listening` event names. */
async function startProxy(args: string[]) {
  const child = vmci(['proxy', ...args]);
  const stderr = watchStderr(child);
  const match = await stderr.waitFor(/^(\{"time".*"event":"listening".*\})$/m);
  const listening = JSON.parse(match[1] as string) as { port?: number; from: string };
  return { child, stderr, listening };
}

/** Sends `data` through a connected socket (ending it) and collects the reply until the end. */
function exchange(socket: Socket, data: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('end', () => resolve(Buffer.concat(chunks)));
    socket.once('error', reject);
    socket.end(data);
  });
}

function connected(options: { port: number; host: string } | { path: string }): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connectNet({ ...options, allowHalfOpen: true }, () => resolve(socket));
    socket.once('error', reject);
  });
}

it('tcp → vsock: a TCP client reaches a `vmci listen --echo` process, 1 MiB intact', async () => {
  const port = String(randomPort());
  const listener = vmci(['listen', port, '--echo']);
  await watchStderr(listener).waitFor(/listening on/);
  const proxy = await startProxy([
    '--from',
    'tcp:127.0.0.1:0',
    '--to',
    `vsock:local:${port}`,
    '--allow',
    `vsock:local:${port}`,
  ]);
  expect(proxy.listening.from).toBe(`tcp:127.0.0.1:${proxy.listening.port}`);

  const data = randomBytes(1024 * 1024);
  const socket = await connected({ host: '127.0.0.1', port: proxy.listening.port as number });
  const reply = await exchange(socket, data);
  expect(sha256(reply)).toBe(sha256(data));
  socket.destroy();

  await proxy.stderr.waitFor(/"event":"closed".*"reason":"done"/);
  proxy.child.kill('SIGTERM');
  expect(await exited(proxy.child)).toBe(143);
  expect(proxy.stderr.text()).toMatch(/"event":"stopped".*"connections":1/);
  expect(await exited(listener)).toBe(0);
}, 60_000);

it('vsock → tcp: `vmci connect` reaches a TCP echo server through the proxy', async () => {
  const echoServer = createNetServer({ allowHalfOpen: true }, (socket) => socket.pipe(socket));
  await new Promise<void>((resolve) => echoServer.listen(0, '127.0.0.1', resolve));
  const tcpPort = (echoServer.address() as { port: number }).port;
  try {
    const proxy = await startProxy([
      '--from',
      'vsock:0',
      '--to',
      `tcp:127.0.0.1:${tcpPort}`,
      '--allow',
      `tcp:127.0.0.1:${tcpPort}`,
    ]);
    expect(proxy.listening.from).toBe(`vsock:any:${proxy.listening.port}`);

    const client = vmci(['connect', `local:${proxy.listening.port}`]);
    let stdout = '';
    client.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk;
    });
    client.stdin.end('hello from a vsock client\n');
    expect(await exited(client)).toBe(0);
    expect(stdout).toBe('hello from a vsock client\n');
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
    const listener = vmci(['listen', port, '--echo']);
    await watchStderr(listener).waitFor(/listening on/);
    const path = join(dir, 'agent.sock');
    const proxy = await startProxy([
      '--from',
      `unix:${path}`,
      '--to',
      `vsock:1:${port}`,
      '--allow',
      `vsock:local:${port}`,
    ]);
    const socket = await connected({ path });
    expect((await exchange(socket, Buffer.from('over unix'))).toString()).toBe('over unix');
    socket.destroy();
    proxy.child.kill('SIGTERM');
    expect(await exited(proxy.child)).toBe(143);
    expect(existsSync(path)).toBe(false);
    expect(await exited(listener)).toBe(0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);

it('a target nobody listens on: the client is closed, ECONNRESET is logged, it keeps serving', async () => {
  const port = String(randomPort());
  const proxy = await startProxy([
    '--from',
    'tcp:127.0.0.1:0',
    '--to',
    `vsock:local:${port}`,
    '--allow',
    `vsock:local:${port}`,
  ]);
  const socket = await connected({ host: '127.0.0.1', port: proxy.listening.port as number });
  socket.on('error', () => {});
  await new Promise((resolve) => socket.once('close', resolve));
  await proxy.stderr.waitFor(/"event":"error".*"code":"ECONNRESET"/);

  const listener = vmci(['listen', port, '--echo']);
  await watchStderr(listener).waitFor(/listening on/);
  const again = await connected({ host: '127.0.0.1', port: proxy.listening.port as number });
  expect((await exchange(again, Buffer.from('now it works'))).toString()).toBe('now it works');
  again.destroy();
  proxy.child.kill('SIGTERM');
  expect(await exited(proxy.child)).toBe(143);
}, 60_000);
