/** Server limits: `maxConnections`. */
import { once } from 'node:events';
import { it } from 'vitest';
import type { ConformanceContext } from '../context.js';
import { closedOf } from '../helpers.js';

/** Connections beyond `maxConnections` are dropped. */
export function describeServerLimits(ctx: ConformanceContext): void {
  it('refuses connections beyond maxConnections', async () => {
    const { server, port } = await ctx.listen();
    server.maxConnections = 1;
    await ctx.dial(port);
    const dropped = once(server, 'drop');
    const second = await ctx.dial(port);
    await dropped;
    await closedOf(second);
  });
}
