/**
 * `vmci listen` / `vmci connect` end to end in-process, on the testkit's virtual hypervisor.
 */
import { connect, createServer } from '@vmci/sockets';
import { useHypervisor } from '@vmci/testkit/vitest';
import { describe, expect, it } from 'vitest';
import { runConnect } from '../src/commands/connect.js';
import { runListen } from '../src/commands/listen.js';
import { main } from '../src/main.js';
import { streamIo } from './helpers/stream-io.js';

async function collect(socket: Awaited<ReturnType<typeof connect>>): Promise<string> {
  let text = '';
  socket.setEncoding('utf8');
  for await (const chunk of socket) text += chunk;
  return text;
}

describe('vmci listen / connect', () => {
  const hv = useHypervisor();

  it('listen --echo answers one connection, then exits 0', async () => {
    const vm = hv().addVM({ cid: 3 });
    const { io, errors } = streamIo('');
    let port = 0;
    const listening = new Promise<void>((resolve) => {
      runListen(io, {
        port: '5000',
        echo: true,
        transport: hv().host.transport,
        onListening: (p) => {
          port = p;
          resolve();
        },
      }).then((code) => expect(code).toBe(0));
    });
    await listening;
    const socket = await connect({ cid: 'host', port, transport: vm.transport });
    socket.end('ping');
    expect(await collect(socket)).toBe('ping');
    expect(errors()).toContain('listening on vsock any:5000');
    expect(errors()).toContain('connection from 3:');
  });

  it('listen pipes the connection to stdin/stdout', async () => {
    const vm = hv().addVM({ cid: 3 });
    const { io, output } = streamIo('from the listener');
    const done = new Promise<number>((resolve) => {
      runListen(io, {
        port: '5001',
        transport: hv().host.transport,
        onListening: async (port) => {
          const socket = await connect({ cid: 'host', port, transport: vm.transport });
          socket.end('from the client');
          expect(await collect(socket)).toBe('from the listener');
        },
      }).then(resolve);
    });
    expect(await done).toBe(0);
    expect(output()).toBe('from the client');
  });

  it('listen --exec serves a command', async () => {
    const vm = hv().addVM({ cid: 3 });
    const { io } = streamIo('');
    let port = 0;
    const listening = new Promise<void>((resolve) => {
      void runListen(io, {
        port: '5002',
        exec: 'tr a-z A-Z',
        transport: hv().host.transport,
        onListening: (p) => {
          port = p;
          resolve();
        },
      });
    });
    await listening;
    const socket = await connect({ cid: 'host', port, transport: vm.transport });
    socket.end('shout');
    expect(await collect(socket)).toBe('SHOUT');
  });

  it('connect pipes stdin to the peer and the reply to stdout', async () => {
    const vm = hv().addVM({ cid: 3 });
    const upper = createServer({ transport: hv().host.transport }, (socket) => {
      socket.setEncoding('utf8');
      let text = '';
      socket.on('data', (chunk: string) => {
        text += chunk;
      });
      socket.on('end', () => socket.end(text.toUpperCase()));
    });
    const { port } = await upper.listenAsync();
    const { io, output } = streamIo('hello');
    expect(await runConnect(io, { address: `host:${port}`, transport: vm.transport })).toBe(0);
    expect(output()).toBe('HELLO');
    await new Promise((resolve) => upper.close(resolve));
  });

  it('connect reports a refused connect with the kernel code', async () => {
    const vm = hv().addVM({ cid: 3 });
    const { io } = streamIo('');
    await expect(
      runConnect(io, { address: 'host:4444', transport: vm.transport }),
    ).rejects.toMatchObject({ code: 'ECONNRESET' });
  });

  it('treats a malformed address as a usage error (exit 2)', async () => {
    const { io, errors } = streamIo('');
    expect(await main(['connect', 'host'], io)).toBe(2);
    expect(errors()).toContain('ERR_VMCI_INVALID_ADDRESS');
  });

  it('exits 1 with one line when the signal stops it while connecting (no crash)', async () => {
    const vm = hv().addVM({ cid: 3 });
    const { io, errors } = streamIo('');
    const code = await main(['connect', 'host:5000'], io, {
      transport: vm.transport,
      signal: AbortSignal.abort(),
    });
    expect(code).toBe(1);
    expect(errors()).toBe(
      'vmci: ABORT_ERR: stopped by a signal before it finished; run it again to finish\n',
    );
  });

  it('rejects --echo with --exec', async () => {
    const { io, errors } = streamIo('');
    expect(await main(['listen', '5000', '--echo', '--exec', 'cat'], io)).toBe(2);
    expect(errors()).toContain('exclude each other');
  });
});
