/**
 * The README's example app (examples/host-agent.ts), tested on the virtual hypervisor.
 */
import { describe, expect, it } from 'vitest';
import { fetchGuestConfig, startHostAgent } from '../examples/host-agent.js';
import { useHypervisor } from '../src/vitest.js';

describe('host agent + guest service', () => {
  const hv = useHypervisor();

  it('gives each guest its own config', async () => {
    const web = hv().addVM({ cid: 3 });
    const db = hv().addVM({ cid: 4 });
    const agent = await startHostAgent(
      { 3: { role: 'web' }, 4: { role: 'db' } },
      hv().host.transport,
    );
    expect(await fetchGuestConfig({ transport: web.transport })).toEqual({ role: 'web' });
    expect(await fetchGuestConfig({ transport: db.transport })).toEqual({ role: 'db' });
    await new Promise((resolve) => agent.close(resolve));
  });

  it('retries while the agent refuses, then succeeds', async () => {
    const vm = hv().addVM({ cid: 3 });
    hv().faults.refuseNextConnects(2, { from: 3 });
    const agent = await startHostAgent({ 3: { role: 'web' } }, hv().host.transport);
    expect(await fetchGuestConfig({ transport: vm.transport, retryDelayMs: 1 })).toEqual({
      role: 'web',
    });
    await new Promise((resolve) => agent.close(resolve));
  });

  it('gives up after the last attempt with the kernel error', async () => {
    const vm = hv().addVM({ cid: 3 });
    await expect(
      fetchGuestConfig({ transport: vm.transport, attempts: 2, retryDelayMs: 1 }),
    ).rejects.toMatchObject({ code: 'ECONNRESET' });
  });

  it('reports an unknown guest', async () => {
    const vm = hv().addVM({ cid: 9 });
    const agent = await startHostAgent({}, hv().host.transport);
    await expect(fetchGuestConfig({ transport: vm.transport })).rejects.toThrow('unknown guest');
    await new Promise((resolve) => agent.close(resolve));
  });
});
