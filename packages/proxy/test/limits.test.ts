/**
 * What the proxy does when things go wrong or run long: the connection limit, idle and connect
 * timeouts, a target that is down, a rule removed while running, clients that leave early, and
 * stopping with connections open.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { connect } from '@vmci/sockets';
import { describe, expect, it } from 'vitest';
import {
  closed,
  echo,
  peerGone,
  readAll,
  tcpClient,
  tcpConnectionTurnedAway,
  tcpToVm3,
  useProxyFixture,
} from './helpers/proxy.js';

describe('vmci proxy limits and failures', () => {
  const fixture = useProxyFixture();
  const { hv, proxy } = fixture;

  /** Sends a line and waits for it to come back (so the relay is up). */
  async function roundTrip(socket: import('node:stream').Duplex, text: string): Promise<string> {
    const reply = new Promise<string>((resolve) =>
      socket.once('data', (chunk: Buffer) => resolve(chunk.toString())),
    );
    socket.write(text);
    return reply;
  }

  it('refuses connections beyond --max-connections and logs refused with reason limit', async () => {
    const vm = hv().addVM({ cid: 3 });
    await fixture.vsockService(vm.transport, 5000, echo);
    const { port, log } = await proxy({
      ...tcpToVm3,
      maxConnections: 2,
    });
    const first = await tcpClient(port);
    const second = await tcpClient(port);
    expect(await roundTrip(first, 'one')).toBe('one');
    expect(await roundTrip(second, 'two')).toBe('two');

    await tcpConnectionTurnedAway(port);
    expect(await log.waitFor('refused', { id: 3 })).toMatchObject({
      reason: 'limit',
      to: 'vsock:3:5000',
      message: '2 connections are open, the most allowed (maxConnections)',
    });

    first.destroy();
    await log.waitFor('closed', { id: 1 });
    const fourth = await tcpClient(port);
    expect(await roundTrip(fourth, 'four')).toBe('four');
    second.destroy();
    fourth.destroy();
  });

  it('closes a connection after --idle-timeout without traffic', async () => {
    const vm = hv().addVM({ cid: 3 });
    await fixture.vsockService(vm.transport, 5000, echo);
    const { port, log } = await proxy({
      ...tcpToVm3,
      // Long enough that a loaded machine's pause before the ping is not mistaken for idleness;
      // the logged reason, not a clock reading, shows which limit closed it.
      idleTimeoutMs: 1000,
    });
    const client = await tcpClient(port);
    expect(await roundTrip(client, 'ping')).toBe('ping');
    await peerGone(client);
    client.destroy();
    expect(await log.waitFor('closed', { id: 1 })).toMatchObject({
      reason: 'idle-timeout',
      bytesIn: 4,
      bytesOut: 4,
    });
  });

  it('target down: closes the client, logs the error code and keeps serving', async () => {
    const vm = hv().addVM({ cid: 3 });
    const { port, log } = await proxy({ ...tcpToVm3, transport: hv().host.transport });
    await tcpConnectionTurnedAway(port);
    expect(await log.waitFor('error', { id: 1 })).toMatchObject({
      code: 'ECONNRESET',
      to: 'vsock:3:5000',
    });
    expect(await log.waitFor('closed', { id: 1 })).toMatchObject({ reason: 'error' });

    await fixture.vsockService(vm.transport, 5000, echo);
    const later = await tcpClient(port);
    const reply = readAll(later);
    later.end('up now');
    expect((await reply).toString()).toBe('up now');
  });

  it('a reset by the target mid-stream resets the client and logs the error', async () => {
    const vm = hv().addVM({ cid: 3 });
    await fixture.vsockService(vm.transport, 5000, echo);
    const { port, log } = await proxy({ ...tcpToVm3, transport: hv().host.transport });
    const client = await tcpClient(port);
    expect(await roundTrip(client, 'before')).toBe('before');
    const clientError = new Promise<unknown>((resolve) => client.once('error', resolve));
    hv().resetConnections({ cid: 3 });
    expect(await clientError).toMatchObject({ code: 'ECONNRESET' });
    expect(await log.waitFor('error', { id: 1 })).toMatchObject({ code: 'ECONNRESET' });
    expect(log.named('error')[0]?.message).toMatch(/^target: /);
    expect(await log.waitFor('closed', { id: 1 })).toMatchObject({
      reason: 'error',
      bytesIn: 6,
      bytesOut: 6,
    });
  });

  it('a refused connect or a vanished target connection affects only its own client', async () => {
    const vm = hv().addVM({ cid: 3 });
    const upstream: Duplex[] = [];
    await fixture.vsockService(vm.transport, 5000, (socket) => {
      upstream.push(socket);
      echo(socket);
    });
    const { port, log } = await proxy(tcpToVm3);
    // One at a time, so that upstream[0] is the first client's target connection.
    const first = await tcpClient(port);
    expect(await roundTrip(first, 'first')).toBe('first');
    const second = await tcpClient(port);
    expect(await roundTrip(second, 'second')).toBe('second');

    hv().faults.refuseNextConnects(1, { to: 3 });
    await tcpConnectionTurnedAway(port);
    expect(await log.waitFor('closed', { id: 3 })).toMatchObject({ reason: 'error' });
    expect(log.named('error')).toMatchObject([{ id: 3, code: 'ECONNRESET' }]);
    expect(await roundTrip(first, 'still')).toBe('still');
    expect(await roundTrip(second, 'here')).toBe('here');

    first.on('error', () => {});
    upstream[0]?.destroy();
    await peerGone(first);
    expect(await roundTrip(second, 'alive')).toBe('alive');
    const fourth = await tcpClient(port);
    expect(await roundTrip(fourth, 'new')).toBe('new');
    expect(log.named('closed').map((event) => event.id)).not.toContain(2);
    expect(log.named('error').map((event) => event.id)).not.toContain(2);
    for (const client of [first, second, fourth]) client.destroy();
  });

  it('a TCP target that refuses: the vsock client is closed and ECONNREFUSED logged', async () => {
    const vm = hv().addVM({ cid: 3 });
    // A port that was just free: nothing listens there.
    const gone = await fixture.netService(() => {});
    const deadPort = gone.port;
    await gone.close();
    const { port, log } = await proxy({
      from: 'vsock:0',
      to: `tcp:127.0.0.1:${deadPort}`,
      allow: [`tcp:127.0.0.1:${deadPort}`],
    });
    const socket = await connect({ cid: 'host', port, transport: vm.transport });
    socket.on('error', () => {});
    await closed(socket);
    expect(await log.waitFor('error', { id: 1 })).toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('gives up connecting after --connect-timeout with ETIMEDOUT', async () => {
    hv().addVM({ cid: 3 });
    hv().faults.timeOutNextConnects(1, { to: 3 });
    const { port, log } = await proxy({
      ...tcpToVm3,
      connectTimeoutMs: 50,
    });
    await tcpConnectionTurnedAway(port);
    expect(await log.waitFor('error', { id: 1 })).toMatchObject({ code: 'ETIMEDOUT' });
  });

  it('cancels the target connect when the client resets first', async () => {
    hv().addVM({ cid: 3 });
    hv().faults.timeOutNextConnects(1, { to: 3 });
    const { port, log } = await proxy({
      ...tcpToVm3,
      connectTimeoutMs: 10_000,
    });
    const client = await tcpClient(port);
    await log.waitFor('accepted', { id: 1 });
    client.resetAndDestroy();
    // Closed by the reset, not by the 10 s connect timeout: the error says which (no clock needed).
    expect(await log.waitFor('closed', { id: 1 })).toMatchObject({ reason: 'error' });
    expect(log.named('error')[0]).toMatchObject({
      code: 'ECONNRESET',
      message: 'the client went away before the target answered',
    });
  });

  it('checks the allowlist file again per connection: a removed rule denies the next one', async () => {
    const vm = hv().addVM({ cid: 3 });
    await fixture.vsockService(vm.transport, 5000, echo);
    const dir = fixture.tempDir();
    const file = join(dir.path, 'allow.list');
    writeFileSync(file, '# agents\nvsock:3:5000\n');
    const { port, log } = await proxy({
      from: 'tcp:0',
      to: 'vsock:3:5000',
      allowlistFile: file,
    });
    const allowed = await tcpClient(port);
    expect(await roundTrip(allowed, 'in')).toBe('in');
    allowed.destroy();

    writeFileSync(file, '# revoked\n');
    await tcpConnectionTurnedAway(port);
    expect(await log.waitFor('denied', { id: 2 })).toMatchObject({
      to: 'vsock:3:5000',
      message: `no rule in ${file} allows it`,
    });
    expect(await log.waitFor('closed', { id: 2 })).toMatchObject({ reason: 'denied' });
  });

  it('close() lets a relay that is ending finish within the grace period', async () => {
    const vm = hv().addVM({ cid: 3 });
    // Replies 50 ms after the request ends.
    await fixture.vsockService(vm.transport, 5000, (socket) => {
      socket.resume();
      socket.on('end', () => setTimeout(() => socket.end('late reply'), 50));
    });
    const {
      proxy: running,
      port,
      log,
    } = await proxy({ ...tcpToVm3, transport: hv().host.transport });
    const client = await tcpClient(port);
    const reply = readAll(client);
    client.end('request');
    await log.waitFor('connected', { id: 1 });
    const totals = await running.close();
    expect((await reply).toString()).toBe('late reply');
    expect(await log.waitFor('closed', { id: 1 })).toMatchObject({ reason: 'done' });
    expect(totals).toMatchObject({ connections: 1, bytesIn: 7, bytesOut: 10 });
  });

  it('close() destroys relays still open after the grace period and logs stopped', async () => {
    const vm = hv().addVM({ cid: 3 });
    await fixture.vsockService(vm.transport, 5000, echo);
    const {
      proxy: running,
      port,
      log,
    } = await proxy({ ...tcpToVm3, closeGraceMs: 50, transport: hv().host.transport });
    const client = await tcpClient(port);
    expect(await roundTrip(client, 'hold')).toBe('hold');
    // The client never closes: close() resolving at all shows the grace period ended it.
    await running.close();
    await peerGone(client);
    client.destroy();
    expect(await log.waitFor('closed', { id: 1 })).toMatchObject({ reason: 'stopped' });
    expect(await log.waitFor('stopped')).toMatchObject({ connections: 1, bytesIn: 4, bytesOut: 4 });
    expect(running.openConnections).toBe(0);
  });
});
