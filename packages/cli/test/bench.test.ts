/**
 * `vmci bench`: both ends through the command, in-process on the testkit's hypervisor.
 */
import { useHypervisor } from '@vmci/testkit/vitest';
import { describe, expect, it } from 'vitest';
import { main } from '../src/main.js';
import { streamIo, waitForText } from './helpers/stream-io.js';

describe('vmci bench', () => {
  const hv = useHypervisor();

  it('--virtual --json reports round trips and an acknowledged bulk transfer', async () => {
    const { io, output } = streamIo('');
    expect(
      await main(['bench', '--virtual', '--json', '--size', '8', '--round-trips', '200'], io),
    ).toBe(0);
    const report = JSON.parse(output());
    expect(report.target).toEqual({ cid: 2, port: expect.any(Number) });
    expect(report.roundTrip.count).toBe(200);
    expect(report.roundTrip.medianMicros).toBeGreaterThan(0);
    expect(report.roundTrip.p99Micros).toBeGreaterThanOrEqual(report.roundTrip.medianMicros);
    expect(report.bulk.bytes).toBe(8 * 2 ** 20);
    expect(report.bulk.megabytesPerSecond).toBeGreaterThan(0);
  });

  it('prints a table without --json', async () => {
    const { io, output } = streamIo('');
    expect(await main(['bench', '--virtual', '--size', '1', '--round-trips', '10'], io)).toBe(0);
    expect(output()).toMatch(/^vmci bench → 2:\d+ over testkit virtual hypervisor/);
    expect(output()).toMatch(/round trip \(64 B\) +median [\d.]+ µs, p99 [\d.]+ µs/);
    expect(output()).toMatch(/throughput \(64 KiB writes\) +\d+ MB\/s \(1 MiB in/);
  });

  it('measures a --serve server from another VM, then the server stops on the signal', async () => {
    const vm = hv().addVM({ cid: 3 });
    const server = streamIo('');
    const stop = new AbortController();
    const serving = main(['bench', '--serve', '0'], server.io, {
      transport: hv().host.transport,
      signal: stop.signal,
    });
    await waitForText(server.errors, /listening on vsock any:\d+/);
    const port = /any:(\d+)/.exec(server.errors())?.[1] as string;
    const client = streamIo('');
    const code = await main(
      ['bench', `host:${port}`, '--json', '--size', '2', '--round-trips', '50'],
      client.io,
      {
        transport: vm.transport,
      },
    );
    expect(code).toBe(0);
    expect(JSON.parse(client.output()).bulk.bytes).toBe(2 * 2 ** 20);
    stop.abort();
    expect(await serving).toBe(0);
  });

  it.each([[[]], [['--virtual', '--serve', '5000']], [['3:5000', '--virtual']]])(
    'needs exactly one of CID:PORT, --serve or --virtual (%j → exit 2)',
    async (args) => {
      const { io, errors } = streamIo('');
      expect(await main(['bench', ...args], io)).toBe(2);
      expect(errors()).toContain('give exactly one of CID:PORT');
    },
  );

  it('refuses a zero --size (exit 2)', async () => {
    const { io, errors } = streamIo('');
    expect(await main(['bench', '--virtual', '--size', '0'], io)).toBe(2);
    expect(errors()).toContain("--size must be a positive whole number, got '0'");
  });
});
