/** Stream buffer sizes: the default, a size above the default maximum, and invalid sizes. */
import { connect, createServer, type VsockSocket } from '@vmci/sockets';
import { expect, it } from 'vitest';
import type { ConformanceContext } from '../context.js';
import type { ConformanceCapabilities } from '../target.js';

/** Buffer sizes applied (where the transport applies them) and validated (everywhere). */
export function describeBufferSizes(
  ctx: ConformanceContext,
  capabilities: ConformanceCapabilities,
): void {
  if (capabilities.bufferSizes !== false) {
    it('starts with the default 256 KiB stream buffer', async () => {
      const [server, client] = await ctx.pair();
      expect(client.getBufferSize()).toBe(262144);
      expect(server.getBufferSize()).toBe(262144);
    });

    it('keeps a buffer size above the default maximum on both ends', async () => {
      let accepted!: (socket: VsockSocket) => void;
      const serverSide = new Promise<VsockSocket>((resolve) => {
        accepted = resolve;
      });
      const { port } = await ctx.listen((socket) => accepted(socket), { bufferSize: 1 << 20 });
      const client = await ctx.dial(port, { bufferSize: 2 << 20 });
      expect(client.getBufferSize()).toBe(2 << 20);
      expect((await serverSide).getBufferSize()).toBe(1 << 20);
    });
  }

  it('rejects a buffer size that is not a positive integer', async () => {
    await expect(
      connect({
        cid: ctx.target.serverCid,
        port: 1,
        transport: ctx.target.client,
        bufferSize: 0,
      }),
    ).rejects.toMatchObject({
      code: 'ERR_OUT_OF_RANGE',
    });
    expect(() => createServer({ transport: ctx.target.server, bufferSize: -1 })).toThrowError(
      expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }),
    );
  });
}
