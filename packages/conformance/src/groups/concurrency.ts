/** Concurrency: many connections to one server at once. */
import { expect, it } from 'vitest';
import type { ConformanceContext } from '../context.js';
import { readAll } from '../helpers.js';

/** 1,000 concurrent echo connections. */
export function describeConcurrency(ctx: ConformanceContext): void {
  it('serves 1,000 concurrent connections', async () => {
    const { port } = await ctx.listen((socket) => socket.pipe(socket));
    const results = await Promise.all(
      Array.from({ length: 1000 }, async (_, i) => {
        // Concurrency, not connect latency, is under test: a loaded machine may take longer
        // than the default 2 s to answer all 1,000 at once.
        const client = await ctx.dial(port, { connectTimeout: 240_000 });
        client.end(`n${i}`);
        return (await readAll(client)).toString();
      }),
    );
    expect(results).toEqual(Array.from({ length: 1000 }, (_, i) => `n${i}`));
  });
}
