/**
 * `allowFrom`: which clients may use the proxy (by VM on vsock, by address on TCP).
 */
import { connect } from '@vmci/sockets';
import { describe, expect, it } from 'vitest';
import { parseEndpoint } from '../src/endpoint.js';
import { parseSourceFilter } from '../src/source-filter.js';
import {
  echo,
  readAll,
  tcpClient,
  tcpConnectionTurnedAway,
  tcpToVm3,
  useProxyFixture,
} from './helpers/proxy.js';

describe('proxy allowFrom', () => {
  const fixture = useProxyFixture();
  const { hv } = fixture;

  it('serves only the VMs named on a vsock listener, refusing the others with reason source', async () => {
    const web = hv().addVM({ cid: 3 });
    const db = hv().addVM({ cid: 4 });
    await fixture.vsockService(hv().host.transport, 6000, echo);
    const { port, log } = await fixture.proxy({
      from: 'vsock:0',
      to: 'vsock:2:6000',
      allow: ['vsock:2:6000'],
      allowFrom: ['vsock:4'],
    });
    const refused = await connect({ cid: 'host', port, transport: web.transport });
    refused.on('error', () => {});
    await new Promise((resolve) => refused.once('close', resolve));
    expect(await log.waitFor('refused')).toMatchObject({
      reason: 'source',
      from: expect.stringMatching(/^vsock:3:/),
      message: expect.stringMatching(/ may not use this proxy \(not matched by allowFrom\)$/),
    });

    const allowed = await connect({ cid: 'host', port, transport: db.transport });
    allowed.end('from db');
    expect((await readAll(allowed)).toString()).toBe('from db');
  });

  it('serves a TCP client inside an allowed subnet and turns away one outside', async () => {
    const vm = hv().addVM({ cid: 3 });
    await fixture.vsockService(vm.transport, 5000, echo);
    const outside = await fixture.proxy({
      ...tcpToVm3,
      allowFrom: ['tcp:10.0.0.0/8'],
    });
    await tcpConnectionTurnedAway(outside.port);
    expect(await outside.log.waitFor('refused')).toMatchObject({ reason: 'source' });

    const inside = await fixture.proxy({
      ...tcpToVm3,
      allowFrom: ['tcp:127.0.0.0/8'],
    });
    const client = await tcpClient(inside.port);
    client.end('hello');
    expect((await readAll(client)).toString()).toBe('hello');
  });

  it('matches IPv4 clients seen by a dual-stack listener (::ffff:a.b.c.d)', () => {
    const filter = parseSourceFilter(['tcp:127.0.0.1'], parseEndpoint('tcp:0', 'listen', 'from'));
    expect(filter?.allows('tcp:[::ffff:127.0.0.1]:50000')).toBe(true);
    expect(filter?.allows('tcp:[::1]:50000')).toBe(false);
  });
});
