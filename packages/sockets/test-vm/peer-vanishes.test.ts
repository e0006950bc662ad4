/**
 * A peer that vanishes never leaves a served socket hanging, on either backend: raw-descriptor
 * peers close (as a process exiting does) at every stage — before reading, in the middle of our
 * reply, while our writes are queued, and with their own data unread — and the served socket must
 * report 'close' (an 'error' first, if any, is EPIPE or ECONNRESET). The wait is a generous hang
 * guard, not a timing: before the fix the pipe backend emitted 'end' and then nothing, for minutes.
 *
 * Also `resetAndDestroy()`, which net allows only on TCP handles: what the peer sees on vsock.
 */
import { once } from 'node:events';
import { release } from 'node:os';
import { closeSocket, connectSocket, createSocket, readInto, waitFor, writeFrom } from '@vmci/ffi';
import { requireHarnessGuest } from '@vmci/ffi/harness';
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, KernelTransport, type VsockServer, type VsockSocket } from '../src/index.js';

requireHarnessGuest();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const reply = Buffer.alloc(4 << 20, 7);

/** Reads up to `length` bytes (less at end of stream) from a raw descriptor. */
async function readSome(fd: number, length: number): Promise<number> {
  const buffer = Buffer.alloc(64 * 1024);
  let total = 0;
  while (total < length) {
    const n = readInto(fd, buffer, 0, Math.min(buffer.length, length - total));
    if (n === null) await waitFor(fd, { readable: true, disconnect: true });
    else if (n === 0) break;
    else total += n;
  }
  return total;
}

async function waitUntil(condition: () => boolean) {
  while (!condition()) await sleep(10);
}

for (const backend of ['pipe', 'poll'] as const) {
  describe(`a vanishing peer on the real kernel ${release()} (${backend})`, () => {
    const transport = new KernelTransport({ backend });
    const servers: VsockServer[] = [];
    const descriptors: number[] = [];

    afterEach(() => {
      for (const fd of descriptors.splice(0)) closeSocket(fd);
      for (const server of servers.splice(0)) server.close();
    });

    /** A server that answers every connection with a 4 MiB reply; returns the served socket. */
    async function serve(
      onConnection: (socket: VsockSocket) => void = (socket) => socket.write(reply),
    ) {
      let accepted!: (socket: VsockSocket) => void;
      const served = new Promise<VsockSocket>((resolve) => {
        accepted = resolve;
      });
      const server = createServer({ transport }, (socket) => {
        onConnection(socket);
        accepted(socket);
      });
      servers.push(server);
      const { port } = await server.listenAsync();
      const client = createSocket('stream');
      await connectSocket(client, { cid: 1, port });
      return { client, served: await served };
    }

    /** Resolves with the error (if any) once the socket closes. */
    function outcome(socket: VsockSocket): Promise<{ error: Error | undefined }> {
      let error: Error | undefined;
      socket.on('error', (e) => {
        error = e;
      });
      // Not events.once(): it would reject on the 'error' that precedes 'close'.
      return new Promise((resolve) => socket.once('close', () => resolve({ error })));
    }

    function expectClosedCleanly(result: { error: Error | undefined }) {
      if (result.error)
        expect(['EPIPE', 'ECONNRESET']).toContain((result.error as { code?: string }).code);
    }

    it('peer closes before reading anything', async () => {
      const { client, served } = await serve();
      const closed = outcome(served);
      closeSocket(client);
      expectClosedCleanly(await closed);
    });

    it('peer closes in the middle of our reply', async () => {
      const { client, served } = await serve();
      const closed = outcome(served);
      expect(await readSome(client, 100_000)).toBe(100_000);
      closeSocket(client);
      expectClosedCleanly(await closed);
    });

    it('peer closes while our writes are queued', async () => {
      const { client, served } = await serve();
      const closed = outcome(served);
      // More than the 256 KiB the kernel takes: the rest waits in the socket.
      await waitUntil(() => served.writableLength > 0);
      await sleep(100);
      closeSocket(client);
      const result = await closed;
      expectClosedCleanly(result);
      expect(result.error, 'queued writes can never be delivered').toBeDefined();
    });

    it('peer closes with its own data unread and our writes queued', async () => {
      const { client, served } = await serve((socket) => {
        socket.pause();
        socket.write(reply);
      });
      const closed = outcome(served);
      const theirs = Buffer.alloc(64 * 1024, 1);
      let offset = 0;
      while (offset < theirs.length) {
        const n = writeFrom(client, theirs, offset);
        if (n === null) await waitFor(client, { writable: true });
        else offset += n;
      }
      await waitUntil(() => served.writableLength > 0);
      closeSocket(client);
      expectClosedCleanly(await closed);
    });

    it('peer closes while we only read (nothing queued): the socket ends and closes', async () => {
      const { client, served } = await serve(() => {});
      const closed = outcome(served);
      served.resume();
      closeSocket(client);
      expectClosedCleanly(await closed);
    });

    it('resetAndDestroy() discards queued writes and closes; the peer sees end of stream, then EPIPE', async () => {
      const { client, served } = await serve();
      descriptors.push(client);
      await waitUntil(() => served.writableLength > 0);
      const closed = once(served, 'close');
      served.resetAndDestroy();
      await closed;
      // What was in the kernel already arrives, then end of stream: vsock has no reset on close.
      const received = await readSome(client, reply.length);
      expect(received).toBeLessThan(reply.length);
      expect(() => writeFrom(client, Buffer.from('x'))).toThrowError(
        expect.objectContaining({ code: 'EPIPE' }),
      );
    });
  });
}
