/**
 * Conformance cases for kernel limits a fake is easy to get wrong, derived from the Linux vsock
 * core (measured on 6.1): STREAM and SEQPACKET share one port space, and the bytes a stream keeps
 * in flight are capped by the smaller of the two ends' buffers. Run next to
 * {@link describeTransportConformance} on transports that have SEQPACKET and real buffer sizes.
 */
import { once } from 'node:events';
import {
  connect,
  createSeqpacketServer,
  createServer,
  type VsockSeqpacketServer,
  type VsockServer,
  type VsockSocket,
} from '@vmci/sockets';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConformanceSetup, ConformanceTarget } from './target.js';

/** Resolves once `sample()` has returned the same value `rounds` times in a row (polled). */
async function steady(sample: () => number, rounds = 5, everyMs = 20): Promise<number> {
  let last = sample();
  let same = 0;
  while (same < rounds) {
    await new Promise((resolve) => setTimeout(resolve, everyMs));
    const now = sample();
    same = now === last ? same + 1 : 0;
    last = now;
  }
  return last;
}

/**
 * Registers the kernel-parity cases (one port space for STREAM and SEQPACKET; bytes in flight
 * capped by the smaller buffer) for a transport pair with SEQPACKET and real buffer sizes.
 */
export function describeKernelParity(name: string, setup: ConformanceSetup): void {
  describe(`kernel parity: ${name}`, () => {
    let target: ConformanceTarget;
    const servers: (VsockServer | VsockSeqpacketServer)[] = [];
    const sockets: VsockSocket[] = [];

    beforeEach(async () => {
      target = await setup();
    });

    afterEach(() => {
      for (const socket of sockets.splice(0)) socket.destroy();
      for (const server of servers.splice(0)) if (server.listening) server.close();
    });

    describe('one port space for STREAM and SEQPACKET', () => {
      it('refuses a SEQPACKET listener on a port a STREAM listener holds (EADDRINUSE)', async () => {
        const stream = createServer({ transport: target.server });
        servers.push(stream);
        const { port } = await stream.listenAsync();
        const seqpacket = createSeqpacketServer({ transport: target.server });
        servers.push(seqpacket);
        await expect(seqpacket.listenAsync({ port })).rejects.toMatchObject({
          code: 'EADDRINUSE',
        });
      });

      it('refuses a STREAM listener on a port a SEQPACKET listener holds (EADDRINUSE)', async () => {
        const seqpacket = createSeqpacketServer({ transport: target.server });
        servers.push(seqpacket);
        const { port } = await seqpacket.listenAsync();
        const stream = createServer({ transport: target.server });
        servers.push(stream);
        await expect(stream.listenAsync({ port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
      });
    });

    describe('bytes in flight', () => {
      it('caps them by the smaller buffer: a 64 KiB sender backs up toward a paused 2 MiB receiver', async () => {
        const senderBuffer = 64 * 1024;
        const total = 1024 * 1024;
        const chunk = 16 * 1024;
        let accepted!: (socket: VsockSocket) => void;
        const serverSide = new Promise<VsockSocket>((resolve) => {
          accepted = resolve;
        });
        const server = createServer({ transport: target.server, bufferSize: 2 << 20 }, (socket) => {
          sockets.push(socket);
          socket.pause();
          accepted(socket);
        });
        servers.push(server);
        const { port } = await server.listenAsync();
        const client = await connect({
          cid: target.serverCid,
          port,
          transport: target.client,
          bufferSize: senderBuffer,
        });
        sockets.push(client);
        const receiver = await serverSide;
        for (let offset = 0; offset < total; offset += chunk)
          client.write(Buffer.alloc(chunk, offset / chunk));
        // A write completes once the transport took all of it: what is left is the sender's.
        // The paused receiver still pulled up to its readable high-water mark out of the
        // transport (as net.Socket does), so that much does not count as in flight.
        const backedUp = await steady(() => client.writableLength + receiver.readableLength);
        const inFlight = total - backedUp;
        expect(inFlight, 'bytes queued in the transport').toBeLessThanOrEqual(senderBuffer);
        expect(inFlight, 'bytes queued in the transport').toBeGreaterThan(0);
        // Nothing was lost: once the receiver reads, all of it arrives in order.
        let received = 0;
        let intact = true;
        receiver.on('data', (data: Buffer) => {
          for (let i = 0; i < data.length; i += 4096)
            if (data[i] !== Math.floor((received + i) / chunk) % 256) intact = false;
          received += data.length;
          if (received === total) receiver.end();
        });
        receiver.resume();
        client.end();
        client.resume();
        await once(client, 'end');
        expect(received).toBe(total);
        expect(intact).toBe(true);
      });
    });
  });
}
