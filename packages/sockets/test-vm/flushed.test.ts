/**
 * `socket.flushed()` on the real kernel, both backends: on Linux 6.12 and later (SIOCOUTQ for
 * vsock) it resolves once the peer has every written byte — not while a paused reader leaves
 * data queued on our side; on 6.1 it rejects with ERR_VMCI_UNSUPPORTED naming the version that can.
 */
import { once } from 'node:events';
import { release } from 'node:os';
import { requireHarnessGuest } from '@vmci/ffi/harness';
import { afterEach, describe, expect, it } from 'vitest';
import {
  connect,
  createServer,
  KernelTransport,
  type VsockServer,
  type VsockSocket,
} from '../src/index.js';

requireHarnessGuest();

const [major = 0, minor = 0] = release()
  .split('.')
  .map((part) => Number.parseInt(part, 10));
const hasSiocoutq = major > 6 || (major === 6 && minor >= 12);

for (const backend of ['pipe', 'poll'] as const) {
  describe(`flushed() on the real kernel ${release()} (${backend})`, () => {
    const transport = new KernelTransport({ backend });
    const open: (VsockServer | VsockSocket)[] = [];
    afterEach(() => {
      for (const item of open.splice(0))
        if ('listening' in item) item.close();
        else item.destroy();
    });

    async function pair(): Promise<[VsockSocket, VsockSocket]> {
      let accepted!: (socket: VsockSocket) => void;
      const serverSide = new Promise<VsockSocket>((resolve) => {
        accepted = resolve;
      });
      const server = createServer({ transport }, (socket) => {
        socket.pause();
        open.push(socket);
        accepted(socket);
      });
      open.push(server);
      const { port } = await server.listenAsync();
      const client = await connect({ cid: 1, port, transport });
      open.push(client);
      return [await serverSide, client];
    }

    if (hasSiocoutq) {
      it('waits while a paused reader leaves data queued, and resolves once the peer has it all', async () => {
        const [server, client] = await pair();
        const payload = Buffer.alloc(1 << 20, 5);
        client.write(payload);
        let flushed = false;
        const waiting = client.flushed().then(() => {
          flushed = true;
        });
        await new Promise((resolve) => setTimeout(resolve, 300));
        // 1 MiB does not fit the peer's 256 KiB buffer: most of it still waits on our side.
        expect(flushed).toBe(false);
        let received = 0;
        server.on('data', (chunk: Buffer) => {
          received += chunk.length;
        });
        server.resume();
        await waiting;
        expect(client.writableLength).toBe(0);
        // Everything is in the peer's kernel; it arrives without any further write of ours.
        while (received < payload.length) await once(server, 'data');
        expect(received).toBe(payload.length);
      });

      it('resolves at once when nothing was written', async () => {
        const [, client] = await pair();
        await client.flushed();
      });
    } else {
      it('rejects with ERR_VMCI_UNSUPPORTED: this kernel has no SIOCOUTQ for vsock', async () => {
        const [, client] = await pair();
        client.write('x');
        await expect(client.flushed()).rejects.toMatchObject({
          code: 'ERR_VMCI_UNSUPPORTED',
          message: expect.stringMatching(/6\.12/),
        });
      });
    }

    it('rejects with ERR_VMCI_SOCKET_CLOSED once the socket is destroyed', async () => {
      const [, client] = await pair();
      client.destroy();
      await expect(client.flushed()).rejects.toMatchObject({ code: 'ERR_VMCI_SOCKET_CLOSED' });
    });
  });
}
