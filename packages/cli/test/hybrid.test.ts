/**
 * `--hybrid UDS`: the commands over a Firecracker-style hybrid vsock device (Unix sockets only),
 * through a loopback stand-in for the device (test/helpers/hybrid-loopback.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHypervisor } from '@vmci/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../src/main.js';
import { hybridLoopback } from './helpers/hybrid-loopback.js';
import { streamIo, waitForText } from './helpers/stream-io.js';

describe('vmci --hybrid', () => {
  let device: Awaited<ReturnType<typeof hybridLoopback>>;
  const stops: AbortController[] = [];
  beforeEach(async () => {
    device = await hybridLoopback();
  });
  afterEach(async () => {
    for (const stop of stops.splice(0)) stop.abort();
    await device.close();
  });

  /** Starts a serving command; resolves once it says it listens. */
  async function serving(argv: string[]) {
    const stop = new AbortController();
    stops.push(stop);
    const { io, errors, output } = streamIo();
    const exit = main(argv, io, { signal: stop.signal });
    await waitForText(errors, /listening on/);
    return { exit, errors, output, stop };
  }

  it('connects to a listen --echo through the device', async () => {
    await serving(['listen', '5000', '--hybrid', device.udsPath, '--echo']);
    const client = streamIo('through the device');
    expect(await main(['connect', '3:5000', '--hybrid', device.udsPath], client.io)).toBe(0);
    expect(client.output()).toBe('through the device');
  });

  it('reports a port nobody listens on as ECONNRESET (exit 1)', async () => {
    const client = streamIo('');
    expect(await main(['connect', '3:5999', '--hybrid', device.udsPath], client.io)).toBe(1);
    expect(client.errors()).toMatch(/^vmci: ECONNRESET: /);
  });

  it('sends a file to recv through the device, SHA-256 intact', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vmci-hybrid-files-'));
    try {
      const data = randomBytes(3 * 2 ** 20);
      writeFileSync(join(dir, 'payload.bin'), data);
      const inbox = join(dir, 'inbox');
      await import('node:fs/promises').then((fs) => fs.mkdir(inbox));
      const receiver = await serving(['recv', '5001', '--hybrid', device.udsPath, '--dir', inbox]);
      const sender = streamIo('');
      const sent = await main(
        ['send', '3:5001', join(dir, 'payload.bin'), '--hybrid', device.udsPath],
        sender.io,
      );
      expect(sender.errors()).not.toMatch(/vmci: /);
      expect(sent).toBe(0);
      expect(await receiver.exit).toBe(0);
      const stored = readFileSync(join(inbox, 'payload.bin'));
      const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
      expect(sha(stored)).toBe(sha(data));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('benchmarks through the device and names the transport', async () => {
    await serving(['bench', '--serve', '5002', '--hybrid', device.udsPath]);
    const client = streamIo('');
    const argv = ['bench', '3:5002', '--json', '--size', '1', '--round-trips', '20'];
    const code = await main([...argv, '--hybrid', device.udsPath], client.io);
    expect(client.errors()).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(client.output())).toMatchObject({
      transport: 'hybrid',
      bulk: { bytes: 2 ** 20 },
    });
  });

  it('refuses to listen on "any port": the device names the port in a socket path', async () => {
    const { io, errors } = streamIo('');
    expect(await main(['listen', '0', '--hybrid', device.udsPath], io)).toBe(1);
    expect(errors()).toMatch(/^vmci: ERR_VMCI_UNSUPPORTED: /);
  });

  it('cannot replace a transport the run was given (exit 2)', async () => {
    const hv = createHypervisor();
    const { io, errors } = streamIo('');
    const argv = ['connect', '3:5000', '--hybrid', device.udsPath];
    expect(await main(argv, io, { transport: hv.host.transport })).toBe(2);
    expect(errors()).toContain('--hybrid cannot replace the transport');
  });
});
