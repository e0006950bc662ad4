/**
 * Buffer options on a connected socket of the real transport: round trip and clamping.
 */
import { expect, it } from 'vitest';
import { requireHarnessGuest } from '../src/harness.js';
import {
  bindSocket,
  connectSocket,
  createSocket,
  getBufferSizes,
  getTrusted,
  listenSocket,
  localAddress,
  setBufferSize,
  setBufferSizes,
  VMADDR_CID_ANY,
  VMADDR_PORT_ANY,
} from '../src/index.js';
import { trackDescriptors } from '../test/helpers/descriptors.js';
import { acceptOne } from './io.js';

requireHarnessGuest();

const { track } = trackDescriptors();

async function connected(): Promise<number> {
  const server = createSocket('stream');
  track(server);
  bindSocket(server, { cid: VMADDR_CID_ANY, port: VMADDR_PORT_ANY });
  listenSocket(server);
  const client = createSocket('stream');
  track(client);
  const [accepted] = await Promise.all([
    acceptOne(server),
    connectSocket(client, { cid: 1, port: localAddress(server).port }),
  ]);
  track(accepted.fd);
  return client;
}

it('round-trips buffer sizes on a connected socket', async () => {
  const fd = await connected();
  expect(getBufferSizes(fd)).toEqual({ size: 262144, min: 128, max: 262144 });
  expect(setBufferSizes(fd, { size: 1 << 20 })).toEqual({ size: 1 << 20, min: 128, max: 1 << 20 });
});

it('clamps a raw size above the maximum silently', async () => {
  const fd = await connected();
  setBufferSize(fd, 1 << 21);
  expect(getBufferSizes(fd).size).toBe(262144);
});

it('answers ENOPROTOOPT for the VMCI-only trusted option on the loopback transport', async () => {
  const fd = await connected();
  expect(() => getTrusted(fd)).toThrowError(expect.objectContaining({ code: 'ENOPROTOOPT' }));
});
