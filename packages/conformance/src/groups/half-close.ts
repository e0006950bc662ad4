/** Half-close: one direction ends, the other keeps flowing (`allowHalfOpen`). */
import { expect, it } from 'vitest';
import type { ConformanceContext } from '../context.js';
import { readAll } from '../helpers.js';

/** Half-close in both directions. */
export function describeHalfClose(ctx: ConformanceContext): void {
  it('half-closes client → server: the server still answers after end', async () => {
    const { port } = await ctx.listen(
      (socket) => {
        readAll(socket).then((data) => socket.end(`got ${data.length}`));
      },
      { allowHalfOpen: true },
    );
    const client = await ctx.dial(port, { allowHalfOpen: true });
    client.end(Buffer.alloc(1000, 1));
    expect((await readAll(client)).toString()).toBe('got 1000');
  });

  it('half-closes server → client: the client still sends after end', async () => {
    const received = new Promise<string>((resolve) => {
      ctx
        .listen(
          (socket) => {
            socket.end('bye');
            readAll(socket).then((data) => resolve(data.toString()));
          },
          { allowHalfOpen: true },
        )
        .then(({ port }) =>
          ctx.dial(port, { allowHalfOpen: true }).then(async (client) => {
            expect((await readAll(client)).toString()).toBe('bye');
            client.end('after end');
          }),
        );
    });
    expect(await received).toBe('after end');
  });
}
