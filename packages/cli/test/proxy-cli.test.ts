/**
 * `vmci proxy` through `main()`, as the binary runs it: argument checks and exit codes, the JSON
 * log on stderr, and stopping on the signal.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from '@vmci/sockets';
import { useHypervisor } from '@vmci/testkit/vitest';
import { describe, expect, it } from 'vitest';
import { useCleanups } from '../../../test/helpers/cleanups.js';
import {
  echo,
  netService,
  peerGone,
  readAll,
  tcpClient,
  unixClient,
  vsockService,
} from '../../../test/helpers/sockets.js';
import { main } from '../src/main.js';
import { captureIo, waitForText } from './helpers/stream-io.js';

describe('vmci proxy (main)', () => {
  const hv = useHypervisor();
  const fixture = useCleanups('vmci-cli-proxy-');

  /** Runs `vmci proxy …` until the returned `stop()`; resolves `exit` with the exit code. */
  function runProxy(args: string[]) {
    const { io, log, stderr } = captureIo();
    const controller = new AbortController();
    const exit = main(['proxy', ...args], io, {
      transport: hv().host.transport,
      signal: controller.signal,
    });
    fixture.defer(async () => {
      controller.abort();
      await exit;
    });
    return { exit, log, stderr, stop: () => controller.abort() };
  }

  it('denies by default: without --allow or --allowlist it exits 2 and says how to allow', async () => {
    const { io, stderr } = captureIo();
    expect(await main(['proxy', '--from', 'tcp:0', '--to', 'vsock:3:80'], io)).toBe(2);
    expect(stderr()).toBe(
      'vmci proxy: outbound targets are denied by default; allow this one with --allow vsock:3:80, or list allowed targets in a file (one per line) and pass --allowlist FILE\n',
    );
  });

  it('exits 2 naming the target and the allowlist when --to is not on it', async () => {
    const dir = fixture.tempDir();
    const file = join(dir.path, 'allow.list');
    writeFileSync(file, 'vsock:3:80\ntcp:*:443\n');
    const { io, stderr } = captureIo();
    const code = await main(
      ['proxy', '--from', 'tcp:0', '--to', 'vsock:3:22', '--allowlist', file],
      io,
    );
    expect(code).toBe(2);
    expect(stderr()).toBe(
      `vmci proxy: the target vsock:3:22 is not allowed: no rule in ${file} allows it; to allow it, add the line vsock:3:22 to ${file}\n`,
    );
  });

  it('exits 2 when --allow rules do not cover --to, saying which --allow to add', async () => {
    const { io, stderr } = captureIo();
    expect(
      await main(['proxy', '--from', 'tcp:0', '--to', 'vsock:3:22', '--allow', 'vsock:3:80'], io),
    ).toBe(2);
    expect(stderr()).toBe(
      'vmci proxy: the target vsock:3:22 is not allowed: no rule in --allow allows it; to allow it, pass --allow vsock:3:22\n',
    );
  });

  it('exits 2 with file:line for a bad allowlist line', async () => {
    const dir = fixture.tempDir();
    const file = join(dir.path, 'allow.list');
    writeFileSync(file, '# ok\nvsock:3:80\n\ntcp:10.0.0.5\n');
    const { io, stderr } = captureIo();
    expect(
      await main(['proxy', '--from', 'tcp:0', '--to', 'vsock:3:80', '--allowlist', file], io),
    ).toBe(2);
    expect(stderr()).toMatch(new RegExp(`^vmci proxy: ${file}:4: 'tcp:10\\.0\\.0\\.5': `));
  });

  it.each([
    [['--to', 'vsock:3:80', '--allow', 'vsock:3:80'], 'vmci proxy: --from is required'],
    [['--from', 'tcp:0', '--to', 'vsock:80', '--allow', 'vsock:3:80'], 'needs a CID'],
    [['--from', 'tcp:0', '--to', 'vsock:3:80', '--allow', 'vsock:3'], "--allow 'vsock:3'"],
    [
      ['--from', 'tcp:0', '--to', 'vsock:3:80', '--allow', 'vsock:3:80', '--max-connections', '0'],
      '--max-connections must be a positive whole number',
    ],
    [
      ['--from', 'tcp:0', '--to', 'vsock:3:80', '--allow', 'vsock:3:80', '--buffer-size', '4M'],
      '--buffer-size must be a positive whole number',
    ],
    [
      ['--from', 'tcp:0', '--to', 'vsock:3:80', '--allow', 'vsock:3:80', '--log-format', 'xml'],
      '--log-format must be json or text',
    ],
    [
      ['--from', 'tcp:127.0.0.1:9', '--to', 'tcp:127.0.0.1:9', '--allow', 'tcp:*:*'],
      'it would connect to itself',
    ],
  ])('exits 2 for bad arguments: %j', async (args, message) => {
    const { io, stderr } = captureIo();
    expect(await main(['proxy', ...args], io)).toBe(2);
    expect(stderr()).toContain(message);
  });

  it('exits 1 with vmci: EADDRINUSE when the TCP port is taken', async () => {
    const taken = fixture.closeAfter(await netService(() => {}));
    const { io, stderr } = captureIo();
    const args = ['--from', `tcp:${taken.port}`, '--to', 'vsock:3:80', '--allow', 'vsock:3:80'];
    expect(await main(['proxy', ...args], io)).toBe(1);
    expect(stderr()).toMatch(
      new RegExp(
        `^vmci: EADDRINUSE: cannot listen on tcp:127\\.0\\.0\\.1:${taken.port}: the address is in use`,
      ),
    );
  });

  it('exits 1 with vmci: EADDRINUSE when the vsock port is taken', async () => {
    fixture.closeAfter(await vsockService(createServer, hv().host.transport, 6000, () => {}));
    const { io, stderr } = captureIo();
    const code = await main(
      ['proxy', '--from', 'vsock:6000', '--to', 'tcp:127.0.0.1:80', '--allow', 'tcp:127.0.0.1:80'],
      io,
      { transport: hv().host.transport },
    );
    expect(code).toBe(1);
    expect(stderr()).toMatch(/^vmci: EADDRINUSE: cannot listen on vsock:any:6000: /);
  });

  it('leaves a Unix socket that another process listens on alone (exit 1)', async () => {
    const dir = fixture.tempDir();
    const path = join(dir.path, 'busy.sock');
    fixture.closeAfter(await netService(() => {}, { path }));
    const { io, stderr } = captureIo();
    const code = await main(
      ['proxy', '--from', `unix:${path}`, '--to', 'vsock:3:80', '--allow', 'vsock:3:80'],
      io,
      { transport: hv().host.transport },
    );
    expect(code).toBe(1);
    expect(stderr()).toBe(
      `vmci: EADDRINUSE: cannot listen on unix:${path}: another process listens on it; stop it or pick another path\n`,
    );
    expect(existsSync(path)).toBe(true);
  });

  it('serves until the signal aborts, logging one JSON object per line, then exits 0', async () => {
    const vm = hv().addVM({ cid: 3 });
    fixture.closeAfter(await vsockService(createServer, vm.transport, 5000, echo));
    const proxy = runProxy([
      '--from',
      'tcp:127.0.0.1:0',
      '--to',
      'vsock:3:5000',
      '--allow',
      'vsock:3:5000',
    ]);
    const listening = await proxy.log.waitFor('listening');
    expect(listening.from).toBe(`tcp:127.0.0.1:${listening.port}`);
    const client = await tcpClient(listening.port as number);
    const reply = readAll(client);
    client.end('hello through the CLI');
    expect((await reply).toString()).toBe('hello through the CLI');
    await proxy.log.waitFor('closed', { id: 1 });
    proxy.stop();
    expect(await proxy.exit).toBe(0);

    const lines = proxy.stderr().trimEnd().split('\n');
    const events = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events.map((event) => event.event)).toEqual([
      'listening',
      'accepted',
      'connected',
      'closed',
      'stopped',
    ]);
    for (const event of events) {
      expect(Object.keys(event).slice(0, 3)).toEqual(['time', 'level', 'event']);
      expect(new Date(event.time as string).toISOString()).toBe(event.time);
    }
    expect(events[3]).toMatchObject({ id: 1, bytesIn: 21, bytesOut: 21, reason: 'done' });
    expect(events[4]).toMatchObject({ connections: 1, bytesIn: 21, bytesOut: 21 });
  });

  it('abort closes open connections and the listener', async () => {
    const vm = hv().addVM({ cid: 3 });
    fixture.closeAfter(await vsockService(createServer, vm.transport, 5000, echo));
    const proxy = runProxy(['--from', 'tcp:0', '--to', 'vsock:3:5000', '--allow', 'vsock:3:*']);
    const { port } = await proxy.log.waitFor('listening');
    const client = await tcpClient(port as number);
    await proxy.log.waitFor('connected', { id: 1 });
    proxy.stop();
    expect(await proxy.exit).toBe(0);
    await peerGone(client);
    client.destroy();
    expect(proxy.log.named('closed')[0]).toMatchObject({ reason: 'stopped' });
    await expect(tcpClient(port as number)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('--log-format text writes one readable line per event', async () => {
    const proxy = runProxy([
      '--from',
      'tcp:0',
      '--to',
      'vsock:3:5000',
      '--allow',
      'vsock:3:5000',
      '--log-format',
      'text',
    ]);
    await waitForText(proxy.stderr, ' listening ');
    proxy.stop();
    expect(await proxy.exit).toBe(0);
    const lines = proxy.stderr().trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^\d{4}-\d\d-\d\dT[\d:.]+Z info {2}listening from=tcp:127\.0\.0\.1:\d+ to=vsock:3:5000 port=\d+$/,
    );
    expect(lines[1]).toMatch(/ info {2}stopped from=.* connections=0 bytesIn=0 bytesOut=0 /);
  });

  it('--quiet logs errors only', async () => {
    hv().addVM({ cid: 3 });
    const path = join(fixture.tempDir().path, 'quiet.sock');
    // Nothing listens on vsock:3:5000: the one connection fails, and only that is logged.
    const proxy = runProxy([
      '--from',
      `unix:${path}`,
      '--to',
      'vsock:3:5000',
      '--allow',
      'vsock:3:5000',
      '--quiet',
    ]);
    while (!existsSync(path)) await new Promise((resolve) => setTimeout(resolve, 5));
    const client = await unixClient(path);
    await peerGone(client);
    client.destroy();
    proxy.stop();
    expect(await proxy.exit).toBe(0);
    expect(proxy.log.events).toEqual([
      expect.objectContaining({ event: 'error', id: 1, code: 'ECONNRESET', to: 'vsock:3:5000' }),
    ]);
    expect(proxy.stderr().split('\n')).toHaveLength(2);
  });
});
