/**
 * SEQPACKET: message boundaries and order, the message-size limit, MSG_EOR, closing; and message
 * sizes against the buffers of both ends.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connectSeqpacket } from '@vmci/sockets';
import { describe, expect, it } from 'vitest';
import type { ConformanceContext } from '../context.js';
import { sha256 } from '../helpers.js';
import type { ConformanceCapabilities } from '../target.js';

/** The seqpacket blocks, where the transport has SEQPACKET (and real buffers, for the sizes). */
export function describeSeqpacket(
  ctx: ConformanceContext,
  capabilities: ConformanceCapabilities,
): void {
  if (capabilities.seqpacket === false) return;

  describe('seqpacket', () => {
    it('keeps message boundaries, in order', async () => {
      const [server, client] = await ctx.messagePair();
      const received: string[] = [];
      server.on('message', (data) => received.push(data.toString()));
      const ended = once(server, 'end');
      await Promise.all(['a', 'bb', 'ccc'].map((m) => client.send(m)));
      client.end();
      await ended;
      expect(received).toEqual(['a', 'bb', 'ccc']);
    });

    it('iterates messages until the peer ends', async () => {
      const [server, client] = await ctx.messagePair();
      const done = (async () => {
        const out: string[] = [];
        for await (const message of server) out.push(message.toString());
        return out;
      })();
      await client.send('one');
      await client.send('two');
      client.end();
      expect(await done).toEqual(['one', 'two']);
    });

    it('carries a message of exactly the limit whole', async () => {
      const [server, client] = await ctx.messagePair();
      const payload = randomBytes(client.maxMessageSize);
      const received = once(server, 'message');
      await client.send(payload);
      const [data] = (await received) as [Buffer];
      expect(sha256(data)).toBe(sha256(payload));
    });

    it('rejects a message above the limit with ERR_VMCI_MESSAGE_TOO_LARGE', async () => {
      const [, client] = await ctx.messagePair();
      await expect(client.send(Buffer.alloc(client.maxMessageSize + 1))).rejects.toMatchObject({
        code: 'ERR_VMCI_MESSAGE_TOO_LARGE',
      });
    });

    it('refuses an empty message, which the receiver could not tell from end of stream', async () => {
      const [, client] = await ctx.messagePair();
      await expect(client.send('')).rejects.toMatchObject({
        code: 'ERR_VMCI_INVALID_ARGUMENT',
      });
    });

    it('reports MSG_EOR to the receiver', async () => {
      const [server, client] = await ctx.messagePair();
      const received = once(server, 'message');
      await client.send('record', { endOfRecord: true });
      const [, info] = (await received) as [Buffer, { endOfRecord: boolean }];
      expect(info.endOfRecord).toBe(true);
    });

    it('closes both sides after both end', async () => {
      const [server, client] = await ctx.messagePair();
      server.on('end', () => server.end());
      const closed = Promise.all([once(server, 'close'), once(client, 'close')]);
      client.end();
      await closed;
    });
  });

  if (capabilities.bufferSizes === false) return;

  describe('message sizes against buffers', () => {
    // The kernel refuses a message larger than the sender's or the receiver's buffer
    // (ENOMEM on Linux 6.1, EMSGSIZE later); the fake follows the same rule.

    it('connectSeqpacket({ bufferSize }) applies the buffer: it is the largest message', async () => {
      const [server, client] = await ctx.messagePair({ bufferSize: 1 << 20 });
      expect(client.maxMessageSize).toBe(1 << 20);
      expect(server.maxMessageSize).toBe(262144);
    });

    it('carries a 300 KiB message whole with 1 MiB buffers on both ends', async () => {
      const [server, client] = await ctx.messagePair(
        { bufferSize: 1 << 20 },
        { bufferSize: 1 << 20 },
      );
      const payload = randomBytes(300 * 1024);
      const received = once(server, 'message');
      await client.send(payload);
      const [data] = (await received) as [Buffer];
      expect(sha256(data)).toBe(sha256(payload));
    });

    it("refuses a message larger than the receiver's buffer, sending nothing", async () => {
      const [server, client] = await ctx.messagePair({ bufferSize: 1 << 20 });
      await expect(client.send(Buffer.alloc(300 * 1024))).rejects.toMatchObject({
        code: 'ERR_VMCI_MESSAGE_TOO_LARGE',
      });
      const received = once(server, 'message');
      await client.send('next');
      const [data] = (await received) as [Buffer];
      expect(data.toString()).toBe('next');
    });

    it("refuses a message larger than the sender's own buffer", async () => {
      const [, client] = await ctx.messagePair({ bufferSize: 65536 }, { bufferSize: 1 << 20 });
      await expect(client.send(Buffer.alloc(65537))).rejects.toMatchObject({
        code: 'ERR_VMCI_MESSAGE_TOO_LARGE',
      });
    });

    it('rejects a connectSeqpacket bufferSize that is not a positive integer', async () => {
      await expect(
        connectSeqpacket({
          cid: ctx.target.serverCid,
          port: 1,
          transport: ctx.target.client,
          bufferSize: 0,
        }),
      ).rejects.toMatchObject({ code: 'ERR_OUT_OF_RANGE' });
    });
  });
}
