/** createServer on the host kernel: bind and listen only — nothing here connects. */
import { once } from 'node:events';
import { closeSync, openSync, readdirSync } from 'node:fs';
import { bindSocket, createSocket, descriptorFlags, listenSocket, localAddress } from '@vmci/ffi';
import { describe, expect, it } from 'vitest';
import { connect, createServer, KernelTransport } from '../src/index.js';

const openDescriptors = () => readdirSync('/proc/self/fd').length;

describe.each(['pipe', 'poll'] as const)(
  'VsockServer on the host kernel (%s backend, no connect)',
  (backend) => {
    const transport = new KernelTransport({ backend });

    it('listens on PORT_ANY and reports the assigned port', async () => {
      const server = createServer({ transport });
      const address = await server.listenAsync();
      expect(address.cid).toBe(0xffffffff);
      expect(server.address()).toEqual(address);
      expect(server.listening).toBe(true);
      server.close();
      await once(server, 'close');
      expect(server.listening).toBe(false);
    });

    it('listens on an already listening socket given as fd, and closes it on close()', async () => {
      const fd = createSocket('stream');
      bindSocket(fd, { cid: 0xffffffff, port: 0xffffffff });
      listenSocket(fd);
      const server = createServer({ transport });
      server.listen({ fd });
      await once(server, 'listening');
      expect(server.address()?.port).toBe(localAddress(fd).port);
      server.close();
      await once(server, 'close');
      expect(() => descriptorFlags(fd)).toThrow(expect.objectContaining({ code: 'EBADF' }));
    });

    it('emits ERR_VMCI_INVALID_DESCRIPTOR for an fd that is not a listening vsock socket', async () => {
      const server = createServer({ transport });
      const file = openSync('/dev/null', 'r');
      server.listen({ fd: file });
      const [error] = await once(server, 'error');
      expect(error).toMatchObject({ code: 'ERR_VMCI_INVALID_DESCRIPTOR' });
      expect(server.listening).toBe(false);
      closeSync(file); // refused descriptors stay the caller's
    });

    it('throws ERR_OUT_OF_RANGE for a negative fd', () => {
      const server = createServer({ transport });
      expect(() => server.listen({ fd: -1 })).toThrow(
        expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }),
      );
    });

    it('emits EADDRINUSE for a port that is taken', async () => {
      const first = createServer({ transport });
      const { port } = await first.listenAsync();
      const second = createServer({ transport });
      second.listen({ port });
      const [error] = await once(second, 'error');
      expect(error).toMatchObject({ code: 'EADDRINUSE' });
      first.close();
    });

    it('throws ERR_VMCI_INVALID_ADDRESS for a bad port at the call, as net does', () => {
      const server = createServer({ transport });
      expect(() => server.listen({ port: -5 })).toThrow(
        expect.objectContaining({ code: 'ERR_VMCI_INVALID_ADDRESS' }),
      );
    });

    it('refuses to listen twice', async () => {
      const server = createServer({ transport });
      await server.listenAsync();
      expect(() => server.listen()).toThrowError(
        expect.objectContaining({ code: 'ERR_SERVER_ALREADY_LISTEN' }),
      );
      server.close();
    });

    it('reports close() on a stopped server as an error to the callback', async () => {
      const server = createServer({ transport });
      const error = await new Promise((resolve) => server.close(resolve));
      expect(error).toMatchObject({ code: 'ERR_SERVER_NOT_RUNNING' });
    });

    it('releases its descriptor on close', async () => {
      const before = openDescriptors();
      const server = createServer({ transport });
      await server.listenAsync();
      expect(openDescriptors()).toBe(before + 1);
      await new Promise((resolve) => server.close(resolve));
      expect(openDescriptors()).toBe(before);
    });

    it('rejects bad connect options before touching the network', async () => {
      await expect(connect({ cid: 'guest' as never, port: 1, transport })).rejects.toMatchObject({
        code: 'ERR_VMCI_INVALID_ADDRESS',
      });
      await expect(connect({ cid: 2, port: 1, timeout: -1, transport })).rejects.toMatchObject({
        code: 'ERR_OUT_OF_RANGE',
      });
      await expect(
        connect({ cid: 2, port: 1, transport, signal: AbortSignal.abort(new Error('nope')) }),
      ).rejects.toThrow('nope');
    });
  },
);
