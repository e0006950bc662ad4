/**
 * Relaying through the proxy, in-process: TCP or Unix clients to vsock services and vsock clients
 * to TCP services on the testkit's hypervisor, with bulk data checked by SHA-256 and half-closes
 * passed on in both directions.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { connect } from '@vmci/sockets';
import { describe, expect, it } from 'vitest';
import {
  closed,
  echo,
  exchange,
  randomBytes,
  readAll,
  sha256,
  staleUnixSocket,
  tcpClient,
  tcpToVm3,
  unixClient,
  useProxyFixture,
} from './helpers/proxy.js';

describe('vmci proxy relays', () => {
  const fixture = useProxyFixture();
  const { hv, proxy } = fixture;

  /** A service that sends `download` while hashing what it receives (`hash` resolves at its end). */
  function hashingService(download: Buffer) {
    let resolveHash: (hash: string) => void = () => {};
    const hash = new Promise<string>((resolve) => {
      resolveHash = resolve;
    });
    const handler = (socket: Duplex) => {
      const chunks: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('end', () => resolveHash(sha256(Buffer.concat(chunks))));
      socket.end(download);
    };
    return { handler, hash };
  }

  it('tcp → vsock: 4 MiB up and 3 MiB down arrive intact (SHA-256)', async () => {
    const vm = hv().addVM({ cid: 3 });
    const upload = randomBytes(4 * 1024 * 1024);
    const download = randomBytes(3 * 1024 * 1024);
    const service = hashingService(download);
    await fixture.vsockService(vm.transport, 5000, service.handler);
    const { port, log } = await proxy({
      from: 'tcp:127.0.0.1:0',
      to: 'vsock:3:5000',
      allow: ['vsock:3:5000'],
    });
    const client = await tcpClient(port);
    const received = await exchange(client, upload);
    expect(sha256(received)).toBe(sha256(download));
    expect(await service.hash).toBe(sha256(upload));
    const closedEvent = await log.waitFor('closed', { id: 1 });
    expect(closedEvent).toMatchObject({
      reason: 'done',
      bytesIn: upload.length,
      bytesOut: download.length,
      to: 'vsock:3:5000',
    });
    expect(closedEvent.from).toMatch(/^tcp:127\.0\.0\.1:\d+$/);
  });

  it('vsock → tcp: a guest reaches a TCP service on the host, 4 MiB both ways', async () => {
    const vm = hv().addVM({ cid: 3 });
    const download = randomBytes(4 * 1024 * 1024);
    const hashing = hashingService(download);
    const service = await fixture.netService(hashing.handler);
    const { port, log } = await proxy({
      from: 'vsock:0',
      to: `tcp:127.0.0.1:${service.port}`,
      allow: [`tcp:127.0.0.1:${service.port}`],
    });
    const listening = await log.waitFor('listening');
    expect(listening.from).toBe(`vsock:any:${listening.port}`);
    const upload = randomBytes(4 * 1024 * 1024);
    const socket = await connect({
      cid: 'host',
      port: port,
      transport: vm.transport,
      allowHalfOpen: true,
    });
    const received = await exchange(socket, upload);
    expect(sha256(received)).toBe(sha256(download));
    expect(await hashing.hash).toBe(sha256(upload));
    expect(await log.waitFor('closed', { id: 1 })).toMatchObject({
      reason: 'done',
      bytesIn: upload.length,
      bytesOut: download.length,
    });
    expect(log.named('accepted')[0]?.from).toMatch(/^vsock:3:\d+$/);
  });

  it('unix → vsock: replaces a stale socket file and removes its own on close', async () => {
    const vm = hv().addVM({ cid: 3 });
    await fixture.vsockService(vm.transport, 5000, echo);
    const dir = fixture.tempDir();
    const path = join(dir.path, 'agent.sock');
    await staleUnixSocket(path);
    expect(existsSync(path)).toBe(true);

    const { proxy: running } = await proxy({
      from: `unix:${path}`,
      to: 'vsock:3:5000',
      allow: ['vsock:3:5000'],
    });
    const client = await unixClient(path);
    const received = await exchange(client, Buffer.from('through a unix socket'));
    expect(received.toString()).toBe('through a unix socket');
    await running.close();
    expect(existsSync(path)).toBe(false);
  });

  it('vsock → unix: a guest reaches a Unix socket service on the host', async () => {
    const vm = hv().addVM({ cid: 3 });
    const path = join(fixture.tempDir().path, 'service.sock');
    await fixture.netService(echo, { path });
    const { port, log } = await proxy({
      from: 'vsock:0',
      to: `unix:${path}`,
      allow: [`unix:${path}`],
    });
    const socket = await connect({
      cid: 'host',
      port,
      transport: vm.transport,
      allowHalfOpen: true,
    });
    expect((await exchange(socket, Buffer.from('to a unix socket'))).toString()).toBe(
      'to a unix socket',
    );
    expect(await log.waitFor('closed', { id: 1 })).toMatchObject({
      to: `unix:${path}`,
      reason: 'done',
    });
  });

  it('tcp → tcp: works without vsock at all', async () => {
    const service = await fixture.netService(echo);
    const { port } = await proxy({
      from: 'tcp:0',
      to: `tcp:localhost:${service.port}`,
      allow: ['tcp:localhost:*'],
    });
    const client = await tcpClient(port);
    expect((await exchange(client, Buffer.from('plain tcp'))).toString()).toBe('plain tcp');
  });

  it('vsock → vsock: relays between guests through a host proxy', async () => {
    const client = hv().addVM({ cid: 3 });
    const server = hv().addVM({ cid: 4 });
    await fixture.vsockService(server.transport, 7000, echo);
    const { port } = await proxy({
      from: 'vsock:0',
      to: 'vsock:4:7000',
      allow: ['vsock:4:*'],
    });
    const socket = await connect({
      cid: 'host',
      port: port,
      transport: client.transport,
      allowHalfOpen: true,
    });
    expect((await exchange(socket, Buffer.from('guest to guest'))).toString()).toBe(
      'guest to guest',
    );
  });

  it('half-close from the client: the target sees the end and can still reply', async () => {
    const vm = hv().addVM({ cid: 3 });
    // Replies only after the request has ended, like `tar -x` or an HTTP/1.0 server.
    await fixture.vsockService(vm.transport, 5000, (socket) => {
      let request = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        request += chunk;
      });
      socket.on('end', () => socket.end(`got ${request.length} bytes after your end`));
    });
    const { port } = await proxy({ ...tcpToVm3, transport: hv().host.transport });
    const client = await tcpClient(port);
    const reply = await exchange(client, Buffer.from('12345'));
    expect(reply.toString()).toBe('got 5 bytes after your end');
  });

  it('half-close from the target: the client sees the end and can still send', async () => {
    const vm = hv().addVM({ cid: 3 });
    let uploaded = '';
    let serviceEnded: () => void = () => {};
    const serviceDone = new Promise<void>((resolve) => {
      serviceEnded = resolve;
    });
    await fixture.vsockService(vm.transport, 5000, (socket) => {
      // Greets and ends its side at once, then keeps reading.
      socket.end('hello, send me the rest\n');
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        uploaded += chunk;
      });
      socket.on('end', () => serviceEnded());
    });
    const { port, log } = await proxy({ ...tcpToVm3, transport: hv().host.transport });
    const client = await tcpClient(port);
    const greeting = await readAll(client);
    expect(greeting.toString()).toBe('hello, send me the rest\n');
    expect(client.writable).toBe(true);
    client.end('the rest, after your end');
    await serviceDone;
    expect(uploaded).toBe('the rest, after your end');
    await closed(client);
    expect(await log.waitFor('closed', { id: 1 })).toMatchObject({ reason: 'done' });
  });
});
