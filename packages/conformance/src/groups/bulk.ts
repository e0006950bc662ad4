/** Bulk transfer: a large stream under backpressure arrives whole. */
import { createHash, randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import type { ConformanceContext } from '../context.js';
import { sha256 } from '../helpers.js';

/** 64 MiB with backpressure, checked by SHA-256. */
export function describeBulk(ctx: ConformanceContext): void {
  it('moves 64 MiB with backpressure and an intact SHA-256', async () => {
    const payload = randomBytes(64 * 1024 * 1024);
    const digest = new Promise<string>((resolve) => {
      ctx
        .listen((socket) => {
          const hash = createHash('sha256');
          socket.on('data', (chunk: Buffer) => hash.update(chunk));
          socket.on('end', () => {
            resolve(hash.digest('hex'));
            socket.end();
          });
        })
        .then(({ port }) =>
          ctx.dial(port).then((client) => {
            let offset = 0;
            const pump = () => {
              while (offset < payload.length) {
                const chunk = payload.subarray(offset, offset + 64 * 1024);
                offset += chunk.length;
                if (!client.write(chunk)) return client.once('drain', pump);
              }
              client.end();
            };
            pump();
          }),
        );
    });
    expect(await digest).toBe(sha256(payload));
  });
}
