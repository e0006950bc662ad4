/**
 * SEQPACKET under backpressure on the real kernel: every message arrives whole and exactly once
 * with a paused, a slow and a randomly pausing reader, at sizes around the credit window, in both
 * directions at once, and with buffer sizes other than the default (both backends; message
 * sockets use the same channel on both, the loop proves it).
 *
 * What the kernel itself does with a non-blocking send that runs out of credit mid-message (the
 * reason for the design) is pinned down in @vmci/ffi's test-vm/seqpacket.test.ts.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { readdirSync } from 'node:fs';
import { release } from 'node:os';
import { requireHarnessGuest } from '@vmci/ffi/harness';
import { afterEach, describe, expect, it } from 'vitest';
import {
  connectSeqpacket,
  createSeqpacketServer,
  KernelTransport,
  type VsockMessageSocket,
  type VsockSeqpacketServer,
} from '../src/index.js';

requireHarnessGuest();

/** xorshift32: the soak's sizes and pauses repeat for a seed. */
function random(seed: number) {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 0x100000000;
  };
}

/** A message that carries its index and a checksum of itself: a merged or cut one cannot pass. */
function makeMessage(index: number, size: number, fill: () => number): Buffer {
  const message = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i += 4096) message[i] = Math.floor(fill() * 256);
  if (size >= 4) message.writeUInt32BE(index, 0);
  return message;
}
const digest = (data: Buffer) => createHash('sha256').update(data).digest('hex');

const openDescriptors = () => readdirSync('/proc/self/fd').length;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (const backend of ['pipe', 'poll'] as const) {
  describe(`seqpacket backpressure on the real kernel ${release()} (${backend})`, () => {
    const transport = new KernelTransport({ backend });
    const servers: VsockSeqpacketServer[] = [];
    const sockets: VsockMessageSocket[] = [];

    afterEach(() => {
      for (const socket of sockets.splice(0)) socket.destroy();
      for (const server of servers.splice(0)) server.close();
    });

    async function messagePair(
      options: { serverBufferSize?: number; clientBufferSize?: number } = {},
    ): Promise<[VsockMessageSocket, VsockMessageSocket]> {
      let accepted!: (socket: VsockMessageSocket) => void;
      const serverSide = new Promise<VsockMessageSocket>((resolve) => {
        accepted = resolve;
      });
      const server = createSeqpacketServer(
        {
          transport,
          ...(options.serverBufferSize ? { bufferSize: options.serverBufferSize } : {}),
        },
        (socket) => {
          socket.pause();
          sockets.push(socket);
          accepted(socket);
        },
      );
      servers.push(server);
      const { port } = await server.listenAsync();
      const client = await connectSeqpacket({
        cid: 1,
        port,
        transport,
        ...(options.clientBufferSize ? { bufferSize: options.clientBufferSize } : {}),
      });
      sockets.push(client);
      return [await serverSide, client];
    }

    /** Collects `count` messages; `reader` decides when to pause (after each message). */
    function collect(
      socket: VsockMessageSocket,
      count: number,
      pauseAfter?: (index: number) => number,
    ): Promise<{ messages: Buffer[]; pauses: number }> {
      return new Promise((resolve, reject) => {
        const messages: Buffer[] = [];
        let pauses = 0;
        socket.on('error', reject);
        socket.on('message', (data) => {
          messages.push(data);
          if (messages.length === count) {
            resolve({ messages, pauses });
            return;
          }
          const pause = pauseAfter?.(messages.length - 1) ?? 0;
          if (pause > 0) {
            pauses++;
            socket.pause();
            setTimeout(() => socket.resume(), pause);
          }
        });
        socket.resume();
      });
    }

    async function sendAll(socket: VsockMessageSocket, messages: Buffer[]) {
      await Promise.all(messages.map((message) => socket.send(message)));
    }

    function expectSame(received: Buffer[], sent: Buffer[]) {
      expect(received.map((m) => m.length)).toEqual(sent.map((m) => m.length));
      expect(received.map(digest)).toEqual(sent.map(digest));
    }

    it('a paused reader: 10,000-byte messages past the credit window arrive whole, once, in order', async () => {
      const [server, client] = await messagePair();
      const rng = random(1);
      const sent = Array.from({ length: 60 }, (_, i) => makeMessage(i, 10_000, rng));
      const sending = sendAll(client, sent);
      // 60 × 10,000 bytes is more than twice the 262,144-byte window: the sender must wait.
      await sleep(300);
      const received = collect(server, sent.length);
      await sending;
      expectSame((await received).messages, sent);
    });

    it('a slow reader: pauses after every message, sizes around the window', async () => {
      const [server, client] = await messagePair();
      const rng = random(2);
      const sizes = [262_144, 262_143, 131_073, 10_000, 262_144, 1, 262_144, 200_000, 262_144];
      const sent = sizes.map((size, i) => makeMessage(i, size, rng));
      const received = collect(server, sent.length, () => 20);
      await sendAll(client, sent);
      expectSame((await received).messages, sent);
    });

    it('10,000-byte messages through 64 KiB buffers, with a paused reader', async () => {
      const [server, client] = await messagePair({
        serverBufferSize: 65_536,
        clientBufferSize: 65_536,
      });
      expect(client.maxMessageSize).toBe(65_536);
      const rng = random(3);
      const sent = Array.from({ length: 40 }, (_, i) => makeMessage(i, 10_000, rng));
      const sending = sendAll(client, sent);
      await sleep(200);
      const received = collect(server, sent.length, (i) => (i % 7 === 0 ? 30 : 0));
      await sending;
      expectSame((await received).messages, sent);
    });

    it('two-way traffic with both readers pausing', async () => {
      const [server, client] = await messagePair();
      const rng = random(4);
      const toServer = Array.from({ length: 40 }, (_, i) =>
        makeMessage(i, 1 + Math.floor(rng() * 30_000), rng),
      );
      const toClient = Array.from({ length: 40 }, (_, i) =>
        makeMessage(i, 1 + Math.floor(rng() * 30_000), rng),
      );
      const atServer = collect(server, toServer.length, (i) => (i % 5 === 0 ? 25 : 0));
      const atClient = collect(client, toClient.length, (i) => (i % 3 === 0 ? 15 : 0));
      await Promise.all([sendAll(client, toServer), sendAll(server, toClient)]);
      expectSame((await atServer).messages, toServer);
      expectSame((await atClient).messages, toClient);
    });

    it('connectSeqpacket({ bufferSize }) applies it: 1 MiB on both ends carries a 300 KiB message', async () => {
      const [server, client] = await messagePair({
        serverBufferSize: 1 << 20,
        clientBufferSize: 1 << 20,
      });
      expect(client.maxMessageSize).toBe(1 << 20);
      expect(server.maxMessageSize).toBe(1 << 20);
      const rng = random(5);
      const sent = [makeMessage(0, 300 * 1024, rng), makeMessage(1, 1 << 20, rng)];
      const received = collect(server, sent.length);
      await sendAll(client, sent);
      expectSame((await received).messages, sent);
    });

    it("refuses a message larger than the receiver's buffer with ERR_VMCI_MESSAGE_TOO_LARGE", async () => {
      // The sender's own buffer allows it; the receiver's (default 256 KiB) does not.
      const [server, client] = await messagePair({ clientBufferSize: 1 << 20 });
      const error = await client.send(Buffer.alloc(300 * 1024)).catch((e: unknown) => e);
      expect(error).toMatchObject({
        code: 'ERR_VMCI_MESSAGE_TOO_LARGE',
        // The kernel's own errno stays visible: 6.1 says ENOMEM, later kernels EMSGSIZE.
        cause: { code: release().startsWith('6.1.') ? 'ENOMEM' : 'EMSGSIZE' },
        message: expect.stringMatching(/receiver's buffer.*bufferSize/),
      });
      // The refused message sent nothing: the next one arrives alone and whole.
      const received = collect(server, 1);
      await client.send('after');
      expect((await received).messages.map(String)).toEqual(['after']);
    });

    it("refuses a message larger than the sender's own buffer before the kernel sees it", async () => {
      const [, client] = await messagePair({ serverBufferSize: 1 << 20 });
      expect(client.maxMessageSize).toBe(262_144);
      await expect(client.send(Buffer.alloc(262_145))).rejects.toMatchObject({
        code: 'ERR_VMCI_MESSAGE_TOO_LARGE',
      });
    });

    it('destroying a socket whose send waits for a paused peer ends the wait and closes its descriptor', async () => {
      const baseline = openDescriptors();
      const [server, client] = await messagePair();
      const sends = Array.from({ length: 40 }, () => client.send(Buffer.alloc(10_000)));
      await sleep(200);
      const closed = once(client, 'close');
      client.destroy();
      const results = await Promise.allSettled(sends);
      expect(results.filter((r) => r.status === 'rejected').length).toBeGreaterThan(0);
      await closed;
      server.destroy();
      servers.splice(0).map((s) => s.close());
      // The blocked send returns (woken by the shutdown) and only then is the descriptor closed.
      while (openDescriptors() > baseline) await sleep(20);
      expect(openDescriptors()).toBe(baseline);
    });

    if (backend === 'pipe') {
      // One soak is enough: message sockets do not depend on the stream backend.
      it('soak: random sizes up to the limit, random reader pauses, per-message checksums', async () => {
        const seed = Number(process.env.VMCI_SOAK_SEED ?? 20261207);
        const count = Number(process.env.VMCI_SOAK_MESSAGES ?? 1200);
        const rng = random(seed);
        const [server, client] = await messagePair();
        const limit = client.maxMessageSize;
        const sizes = Array.from({ length: count }, () =>
          // Mostly small, some near the limit: both sides of the credit window.
          rng() < 0.25 ? limit - Math.floor(rng() * 1024) : 1 + Math.floor(rng() * 40_000),
        );
        const sent = sizes.map((size, i) => makeMessage(i, size, rng));
        const started = performance.now();
        const received = collect(server, count, () => (rng() < 0.1 ? Math.floor(rng() * 40) : 0));
        await sendAll(client, sent);
        const result = await received;
        const seconds = (performance.now() - started) / 1000;
        expectSame(result.messages, sent);
        const bytes = sizes.reduce((a, b) => a + b, 0);
        console.log(
          `seqpacket soak on ${release()}: seed ${seed}, ${count} messages, ${bytes} bytes, ${result.pauses} reader pauses, ${seconds.toFixed(1)} s`,
        );
      }, 300_000);
    }
  });
}
