/** Timeouts: the idle timeout, and (where a CID hangs) the connect timeout and abort. */
import { once } from 'node:events';
import { connect } from '@vmci/sockets';
import { expect, it } from 'vitest';
import type { ConformanceContext } from '../context.js';
import type { ConformanceCapabilities } from '../target.js';

/** The idle timeout; with `hangingCid`, a connect that times out and one that is aborted. */
export function describeTimeouts(
  ctx: ConformanceContext,
  capabilities: ConformanceCapabilities,
): void {
  it('emits timeout after the idle time and stays open', async () => {
    const { port } = await ctx.listen();
    const client = await ctx.dial(port);
    client.setTimeout(50);
    await once(client, 'timeout');
    expect(client.destroyed).toBe(false);
  });

  if (capabilities.hangingCid === undefined) return;
  const hangingCid = capabilities.hangingCid;

  it('times out a connect to a CID that does not answer with ETIMEDOUT', async () => {
    const started = Date.now();
    await expect(
      connect({ cid: hangingCid, port: 1, transport: ctx.target.client, connectTimeout: 200 }),
    ).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
  });

  it('aborts a pending connect with its signal, leaking nothing', async () => {
    const controller = new AbortController();
    const pending = connect({
      cid: hangingCid,
      port: 1,
      transport: ctx.target.client,
      connectTimeout: 10_000,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(new Error('user gave up')), 50);
    await expect(pending).rejects.toThrow('user gave up');
  });
}
