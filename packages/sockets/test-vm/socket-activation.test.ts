/**
 * Serving a listening socket opened by someone else (systemd socket activation), on the real
 * kernel, both backends.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import {
  bindSocket,
  closeSocket,
  createSocket,
  descriptorFlags,
  listenSocket,
  localAddress,
} from '@vmci/ffi';
import { requireHarnessGuest } from '@vmci/ffi/harness';
import { describe, expect, it } from 'vitest';
import { connect, createServer, KernelTransport } from '../src/index.js';

requireHarnessGuest();

const any = { cid: 0xffffffff, port: 0xffffffff };

function listeningSocket(): { fd: number; port: number } {
  const fd = createSocket('stream');
  bindSocket(fd, any);
  listenSocket(fd);
  return { fd, port: localAddress(fd).port };
}

async function echoThrough(port: number, transport?: KernelTransport): Promise<string> {
  const client = await connect({ cid: 'local', port, ...(transport ? { transport } : {}) });
  client.end('activated');
  let text = '';
  for await (const chunk of client) text += chunk;
  return text;
}

describe.each(['pipe', 'poll'] as const)('listen({ fd }) (%s backend)', (backend) => {
  const transport = new KernelTransport({ backend });

  it('serves a listening socket it did not create, and closes it on close()', async () => {
    const { fd, port } = listeningSocket();
    const server = createServer({ transport }, (socket) => socket.pipe(socket));
    server.listen({ fd });
    await once(server, 'listening');
    expect(server.address()?.port).toBe(port);
    expect(await echoThrough(port, transport)).toBe('activated');
    await new Promise((resolve) => server.close(resolve));
    expect(() => descriptorFlags(fd)).toThrow(expect.objectContaining({ code: 'EBADF' }));
  });
});

it('serves descriptor 3 in a process started the way systemd starts it', async () => {
  const { fd, port } = listeningSocket();
  const script = fileURLToPath(new URL('fixtures/activated-echo.ts', import.meta.url));
  // LISTEN_PID must be the service's own pid: the shell exports its $$ and then execs node.
  const child = spawn(
    'sh',
    [
      '-c',
      `LISTEN_PID=$$ LISTEN_FDS=1 LISTEN_FDNAMES=echo exec "${process.execPath}" --import tsx "${script}"`,
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit', fd],
      cwd: fileURLToPath(new URL('..', import.meta.url)),
    },
  );
  closeSocket(fd); // the child has its own copy as descriptor 3
  const stdout = child.stdout as NonNullable<typeof child.stdout>;
  try {
    const [line] = await once(stdout, 'data');
    expect(String(line).trim()).toBe('ready echo');
    expect(await echoThrough(port)).toBe('activated');
  } finally {
    child.kill();
  }
});
