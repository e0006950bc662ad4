/**
 * Guest↔guest traffic (where the policy allows it) gets VMware's deprecation warning, once per
 * process, with a stable code; host↔guest and refused traffic do not. The tests run in order: the
 * warning is once per process.
 */
import { connect, createServer, guestToGuestDeprecationCode } from '@vmci/sockets';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { warningCollector } from '../../../test/helpers/process-warnings.js';
import { createHypervisor, type Hypervisor } from '../src/hypervisor.js';
import { useHypervisor } from '../src/vitest.js';

const shared = useHypervisor();
let quiet: Hypervisor | undefined;
const hv = () => quiet ?? shared();
const { warnings, start, stop, settle } = warningCollector();
beforeEach(start);
afterEach(stop);

async function roundTrip(fromCid: number, toCid: number, allow: boolean): Promise<unknown> {
  const a = hv().addVM({ cid: fromCid, allowUnrestrictedCommunication: allow });
  const to =
    toCid === 2 ? hv().host : hv().addVM({ cid: toCid, allowUnrestrictedCommunication: allow });
  const server = createServer({ transport: to.transport }, (socket) => socket.end());
  const { port } = await server.listenAsync();
  try {
    const socket = await connect({ cid: toCid, port, transport: a.transport });
    socket.resume();
    await new Promise((resolve) => socket.on('close', resolve));
    return undefined;
  } catch (error) {
    return error;
  } finally {
    await new Promise((resolve) => server.close(resolve));
    await settle();
  }
}

it('does not warn for guest → host traffic', async () => {
  expect(await roundTrip(3, 2, false)).toBeUndefined();
  expect(warnings).toEqual([]);
});

it('does not warn for guest → guest traffic the policy refuses', async () => {
  expect(await roundTrip(3, 4, false)).toMatchObject({ code: 'ECONNRESET' });
  expect(warnings).toEqual([]);
});

it('does not warn on a hypervisor created with guestToGuestWarning: false', async () => {
  quiet = createHypervisor({ guestToGuestWarning: false });
  try {
    expect(await roundTrip(3, 4, true)).toBeUndefined();
  } finally {
    quiet = undefined;
  }
  expect(warnings).toEqual([]);
});

it('warns once, with a stable code, for guest → guest traffic the policy allows', async () => {
  expect(await roundTrip(3, 4, true)).toBeUndefined();
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toMatchObject({
    name: 'DeprecationWarning',
    code: guestToGuestDeprecationCode,
  });
  expect(warnings[0]?.message).toMatch(/deprecated by VMware.*next major release/);
});

it('does not warn a second time', async () => {
  expect(await roundTrip(3, 4, true)).toBeUndefined();
  expect(warnings).toHaveLength(1);
});
