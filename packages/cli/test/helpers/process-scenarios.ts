/**
 * The CLI's real-process scenarios, written once and run on two vsock transports: the real kernel
 * in the nested VM (`test-vm/`, vsock_loopback) and a served testkit hypervisor on the host
 * (`test/processes-testkit.test.ts`, every process under the no-vsock guard). A {@link ProcessSetup}
 * says how processes join the transport and how they address each other; the scenarios do the rest.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { exchange, tcpClient, unixClient } from '../../../../test/helpers/sockets.js';
import {
  exited,
  killLeftovers,
  type Launch,
  listening,
  outputOf,
  runVmci,
  vmci,
  watchStderr,
} from '../../test-vm/helpers/vmci-process.js';

export interface ProcessSetup {
  /** How a process that waits for vsock connections starts (listen, recv, bench --serve, proxy --from vsock). */
  readonly server: Launch;
  /** How a process that opens vsock connections starts (connect, send, bench, proxy --to vsock). */
  readonly client: Launch;
  /** The CID a client names to reach a server: `local` on the kernel, the VM's CID on the testkit. */
  readonly serverCid: string;
  /** The same CID as a number (1, vsock_loopback's, on the kernel). */
  readonly serverCidNumber: number;
  /** The CID a server sees its clients come from. */
  readonly clientCid: number;
  /** What `vmci bench` reports as its transport. */
  readonly benchTransport: RegExp;
}

/** The real kernel in the nested VM: every process on vsock_loopback, addressed as `local` (CID 1). */
export const kernelSetup: ProcessSetup = {
  server: {},
  client: {},
  serverCid: 'local',
  serverCidNumber: 1,
  clientCid: 1,
  benchTransport: /^kernel \(backend (pipe|poll)\)$/,
};

/**
 * The scenarios' arguments: the setup (read when a test runs, after the suite's `beforeEach`) and
 * each test's vitest timeout — a hang guard for its processes, never a speed limit.
 */
type Scenarios = (setup: () => ProcessSetup, timeoutMs: number) => void;

export const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const randomPort = () => 20_000 + Math.floor(Math.random() * 10_000);

/**
 * Starts `vmci proxy --from FROM --to TO --allow ALLOW` (ALLOW: the target itself unless given)
 * and resolves with the process and its `listening` event.
 */
export async function startProxy(from: string, to: string, allow = to, launch: Launch = {}) {
  const child = vmci(['proxy', '--from', from, '--to', to, '--allow', allow], launch);
  const stderr = watchStderr(child);
  const match = await stderr.waitFor(/^(\{"time".*"event":"listening".*\})$/m);
  const listening = JSON.parse(match[1] as string) as { port?: number; from: string };
  return { child, stderr, listening };
}

/** `vmci listen` / `vmci connect` (stream and SEQPACKET) and `vmci bench` between two processes. */
export const listenConnectScenarios: Scenarios = (setup, timeoutMs) => {
  afterEach(killLeftovers);

  it(
    'pipes stdin through listen --echo and back to connect, across two processes',
    async () => {
      const s = setup();
      const port = String(randomPort());
      const listener = await listening(['listen', port, '--echo'], s.server);
      const result = await runVmci(
        ['connect', `${s.serverCid}:${port}`],
        'hello from a real process\n',
        s.client,
      );
      expect(result).toMatchObject({ code: 0, stdout: 'hello from a real process\n' });
      const served = await listener.done;
      expect(served.code).toBe(0);
      expect(served.stderr).toMatch(new RegExp(`connection from ${s.clientCid}:\\d+`));
    },
    timeoutMs,
  );

  it(
    'exits 1 with ECONNRESET on stderr when nobody listens',
    async () => {
      const s = setup();
      const result = await runVmci(['connect', `${s.serverCid}:9`], '', s.client);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^vmci: ECONNRESET: connect failed/);
    },
    timeoutMs,
  );

  it(
    'keeps SEQPACKET message boundaries between listen --seqpacket --echo and connect --seqpacket',
    async () => {
      const s = setup();
      const server = await listening(['listen', '0', '--seqpacket', '--echo'], s.server);
      const result = await runVmci(
        ['connect', `${s.serverCid}:${server.port}`, '--seqpacket', '--json'],
        'first message\nsecond\n',
        s.client,
      );
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
    },
    timeoutMs,
  );

  it(
    'measures the transport with bench --serve and a bench client process',
    async () => {
      const s = setup();
      const server = await listening(['bench', '--serve', '0'], s.server);
      const result = await runVmci(
        [
          'bench',
          `${s.serverCid}:${server.port}`,
          '--json',
          '--size',
          '16',
          '--round-trips',
          '300',
        ],
        '',
        s.client,
      );
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const report = JSON.parse(result.stdout);
      expect(report.bulk.bytes).toBe(16 * 2 ** 20);
      expect(report.roundTrip.count).toBe(300);
      expect(report.transport).toMatch(s.benchTransport);
      server.child.kill('SIGTERM');
      expect((await server.done).code).toBe(143);
    },
    timeoutMs,
  );
};

/** `vmci proxy` as a process between TCP or Unix clients and vsock processes, both ways. */
export const proxyScenarios: Scenarios = (setup, timeoutMs) => {
  afterEach(killLeftovers);

  it(
    'tcp → vsock: a TCP client reaches a `vmci listen --echo` process, 1 MiB intact',
    async () => {
      const s = setup();
      const port = String(randomPort());
      const listener = await listening(['listen', port, '--echo'], s.server);
      const target = `vsock:${s.serverCid}:${port}`;
      const proxy = await startProxy('tcp:127.0.0.1:0', target, target, s.client);
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
    },
    timeoutMs,
  );

  it(
    'vsock → tcp: `vmci connect` reaches a TCP echo server through the proxy',
    async () => {
      const s = setup();
      const echoServer = createNetServer({ allowHalfOpen: true }, (socket) => socket.pipe(socket));
      await new Promise<void>((resolve) => echoServer.listen(0, '127.0.0.1', resolve));
      const tcpPort = (echoServer.address() as { port: number }).port;
      try {
        const to = `tcp:127.0.0.1:${tcpPort}`;
        const proxy = await startProxy('vsock:0', to, to, s.server);
        expect(proxy.listening.from).toBe(`vsock:any:${proxy.listening.port}`);

        const client = await runVmci(
          ['connect', `${s.serverCid}:${proxy.listening.port}`],
          'hello from a vsock client\n',
          s.client,
        );
        expect(client).toMatchObject({ code: 0, stdout: 'hello from a vsock client\n' });
        await proxy.stderr.waitFor(
          new RegExp(`"event":"closed".*"from":"vsock:${s.clientCid}:\\d+".*"reason":"done"`),
        );
        proxy.child.kill('SIGTERM');
        expect(await exited(proxy.child)).toBe(143);
      } finally {
        await new Promise((resolve) => echoServer.close(resolve));
      }
    },
    timeoutMs,
  );

  it(
    'unix → vsock, then SIGTERM stops the proxy and removes its socket file',
    async () => {
      const s = setup();
      const dir = mkdtempSync(join(tmpdir(), 'vmci-proxy-process-'));
      try {
        const port = String(randomPort());
        const listener = await listening(['listen', port, '--echo'], s.server);
        const path = join(dir, 'agent.sock');
        const proxy = await startProxy(
          `unix:${path}`,
          `vsock:${s.serverCidNumber}:${port}`,
          `vsock:${s.serverCid}:${port}`,
          s.client,
        );
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
    },
    timeoutMs,
  );

  it(
    'a target nobody listens on: the client is closed, ECONNRESET is logged, it keeps serving',
    async () => {
      const s = setup();
      const port = String(randomPort());
      const target = `vsock:${s.serverCid}:${port}`;
      const proxy = await startProxy('tcp:127.0.0.1:0', target, target, s.client);
      const socket = await tcpClient(proxy.listening.port as number);
      await new Promise((resolve) => socket.once('close', resolve));
      await proxy.stderr.waitFor(/"event":"error".*"code":"ECONNRESET"/);

      await listening(['listen', port, '--echo'], s.server);
      const again = await tcpClient(proxy.listening.port as number);
      expect((await exchange(again, Buffer.from('now it works'))).toString()).toBe('now it works');
      again.destroy();
      proxy.child.kill('SIGTERM');
      expect(await exited(proxy.child)).toBe(143);
    },
    timeoutMs,
  );
};

/** `vmci recv` and `vmci send` between two processes. */
export const sendRecvScenarios: Scenarios = (setup, timeoutMs) => {
  afterEach(killLeftovers);
  let work: string;
  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 'vmci-process-transfer-'));
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  it(
    'sends an 8 MiB file from one process to another: exit 0, same SHA-256, no temp files',
    async () => {
      const s = setup();
      const incoming = join(work, 'incoming');
      mkdirSync(incoming);
      const content = randomBytes(8 * 2 ** 20);
      const source = join(work, 'payload.bin');
      writeFileSync(source, content);

      const receiver = await listening(['recv', '0', '--dir', incoming, '--json'], s.server);
      const sent = await runVmci(
        ['send', `${s.serverCid}:${receiver.port}`, source, '--json'],
        '',
        s.client,
      );
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
        remoteCid: s.clientCid,
      });
    },
    timeoutMs,
  );

  it(
    'refuses an existing file: both processes exit 1 with EEXIST and the file is untouched',
    async () => {
      const s = setup();
      const incoming = join(work, 'incoming');
      mkdirSync(incoming);
      writeFileSync(join(incoming, 'taken.txt'), 'old');
      const source = join(work, 'taken.txt');
      writeFileSync(source, 'new');

      const receiver = await listening(['recv', '0', '--dir', incoming], s.server);
      const sent = await runVmci(['send', `${s.serverCid}:${receiver.port}`, source], '', s.client);
      expect(sent.code).toBe(1);
      expect(sent.stderr).toMatch(/^vmci: EEXIST: 'taken\.txt' already exists/);
      expect((await receiver.done).code).toBe(1);
      expect(readdirSync(incoming)).toEqual(['taken.txt']);
      expect(readFileSync(join(incoming, 'taken.txt'), 'utf8')).toBe('old');
    },
    timeoutMs,
  );

  it(
    'Ctrl-C while waiting for the receiver: vmci send exits 130 with one line, no stack trace',
    async () => {
      const s = setup();
      const source = join(work, 'stuck.bin');
      writeFileSync(source, 'never confirmed');
      // A peer that takes the connection but never answers: the sender waits for its go-ahead.
      const silent = await listening(['listen', '0'], s.server);
      const connected = watchStderr(silent.child).waitFor(/connection from/);
      const sender = vmci(['send', `${s.serverCid}:${silent.port}`, source], s.client);
      const sent = outputOf(sender);
      await connected;
      sender.kill('SIGINT');
      const result = await sent;
      expect(result.stderr).toBe(
        'vmci: ERR_VMCI_TRANSFER_INTERRUPTED: vmci send was stopped before the receiver confirmed every file: 0 of 1 stored; the receiver deletes what it got of the file in progress, so send the rest again\n',
      );
      expect(result.code).toBe(130);
    },
    timeoutMs,
  );
};
