/**
 * Stream sockets on the real kernel (vsock_loopback, CID 1) inside the nested VM.
 */
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { requireHarnessGuest } from '../src/harness.js';
import {
  bindSocket,
  connectSocket,
  createSocket,
  getLocalCID,
  listenSocket,
  localAddress,
  polledDescriptors,
  remoteAddress,
  shutdownSocket,
  socketError,
  startConnect,
  VMADDR_CID_ANY,
  VMADDR_PORT_ANY,
  VmciError,
  waitFor,
} from '../src/index.js';
import { trackDescriptors } from '../test/helpers/descriptors.js';
import { acceptOne, readAtMost, writeAll } from './io.js';

requireHarnessGuest();

const LOCAL = 1;
const { track, close } = trackDescriptors();

function listener(): { fd: number; port: number } {
  const fd = track(createSocket('stream'));
  bindSocket(fd, { cid: VMADDR_CID_ANY, port: VMADDR_PORT_ANY });
  listenSocket(fd);
  return { fd, port: localAddress(fd).port };
}

/** A listener, a client connected to it and the accepted end; both ends tracked. */
async function connectedPair() {
  const server = listener();
  const client = track(createSocket('stream'));
  const [accepted] = await Promise.all([
    acceptOne(server.fd),
    connectSocket(client, { cid: LOCAL, port: server.port }),
  ]);
  track(accepted.fd);
  return { server, client, accepted };
}

describe('stream sockets on the real kernel', () => {
  it('reports local CID 1 on vsock_loopback', () => {
    expect(getLocalCID()).toBe(1);
  });

  it('connects without blocking: EINPROGRESS, then writable with SO_ERROR 0', async () => {
    const server = listener();
    const client = track(createSocket('stream'));
    const state = startConnect(client, { cid: LOCAL, port: server.port });
    expect(state).toBe('in-progress');
    const ready = await waitFor(client, { writable: true });
    expect(ready.writable).toBe(true);
    expect(socketError(client)).toBe(0);
    track((await acceptOne(server.fd)).fd);
  });

  it('echoes 1 MiB with a concurrent reader, byte for byte', async () => {
    const { client, accepted } = await connectedPair();
    const peer = accepted.fd;
    const payload = randomBytes(1024 * 1024);
    const echo = (async () => {
      const received = await readAtMost(peer, payload.length);
      await writeAll(peer, received);
      shutdownSocket(peer, 'write');
    })();
    const [, , back] = await Promise.all([
      writeAll(client, payload),
      echo,
      readAtMost(client, payload.length + 1),
    ]);
    expect(back.length).toBe(payload.length);
    expect(createHash('sha256').update(back).digest('hex')).toBe(
      createHash('sha256').update(payload).digest('hex'),
    );
  });

  it('shows the client CID as 0xFFFFFFFF in getsockname and the acceptor sees peer CID 1', async () => {
    const { server, client, accepted } = await connectedPair();
    // The connect's wait handle is gone: the next poller (libuv's stream, a channel's) starts fresh.
    expect(polledDescriptors()).not.toContain(client);
    expect(localAddress(client).cid).toBe(0xffffffff);
    expect(remoteAddress(client)).toMatchObject({ cid: LOCAL, port: server.port });
    expect(accepted.address.cid).toBe(LOCAL);
    expect(remoteAddress(accepted.fd)).toMatchObject({
      cid: LOCAL,
      port: localAddress(client).port,
    });
  });

  it('fails a connect to a port nobody listens on with ECONNRESET', async () => {
    const unused = listener();
    close(unused.fd);
    const client = track(createSocket('stream'));
    const error = await connectSocket(client, { cid: LOCAL, port: unused.port }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(VmciError.isInstance(error)).toBe(true);
    expect((error as VmciError).code).toBe('ECONNRESET');
    expect((error as VmciError).message).toMatch(/nothing listens on that port/);
  });

  it('fails a second listener on the same port with EADDRINUSE', () => {
    const server = listener();
    const second = track(createSocket('stream'));
    expect(() => bindSocket(second, { cid: VMADDR_CID_ANY, port: server.port })).toThrowError(
      expect.objectContaining({ code: 'EADDRINUSE' }),
    );
  });

  it('refuses datagram sockets on the loopback transport with ENODEV', () => {
    expect(() => createSocket('dgram')).toThrowError(expect.objectContaining({ code: 'ENODEV' }));
  });

  it('reads end of stream after the peer shuts down writing', async () => {
    const { client, accepted } = await connectedPair();
    shutdownSocket(accepted.fd, 'write');
    expect((await readAtMost(client, 10)).length).toBe(0);
  });
});
