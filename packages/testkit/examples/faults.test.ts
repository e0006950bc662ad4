import { connect, createServer } from '@vmci/sockets';
import { useHypervisor } from '@vmci/testkit/vitest';
import { expect, it } from 'vitest';

const hv = useHypervisor(); // a fresh hypervisor per test; a test that leaves a socket open fails

it('reaches the host agent after two refused connects', async () => {
  const vm = hv().addVM({ cid: 3 });
  const agent = createServer({ transport: hv().host.transport }, (socket) => socket.end('ok'));
  const { port } = await agent.listenAsync({ port: 9999 });
  hv().faults.refuseNextConnects(2, { to: 2 }); // ECONNRESET twice, then through

  const attempt = () => connect({ cid: 'host', port, transport: vm.transport });
  await expect(attempt()).rejects.toMatchObject({ code: 'ECONNRESET' });
  await expect(attempt()).rejects.toMatchObject({ code: 'ECONNRESET' });
  const socket = await attempt();
  let reply = '';
  for await (const chunk of socket) reply += chunk;
  expect(reply).toBe('ok');
  await new Promise((resolve) => agent.close(resolve));
});

it('resets open connections when a VM powers off', async () => {
  const vm = hv().addVM({ cid: 3 });
  const service = createServer({ transport: vm.transport }, () => {});
  await service.listenAsync({ port: 80 });
  const client = await connect({ cid: 3, port: 80, transport: hv().host.transport });
  const failed = new Promise((resolve) => client.on('error', resolve));

  vm.powerOff(); // open connections reset at the peer, the VM's ports are freed

  expect(await failed).toMatchObject({ code: 'ECONNRESET' });
});
