import { readdirSync } from 'node:fs';
import { expect, it } from 'vitest';
import {
  bindSocket,
  closeSocket,
  createSocket,
  polledDescriptors,
  VMADDR_CID_ANY,
  VMADDR_PORT_ANY,
} from '../src/index.js';

const openDescriptors = () => readdirSync('/proc/self/fd').length;

it('leaves /proc/self/fd unchanged after 10,000 create/bind/close cycles', () => {
  closeSocket(createSocket('stream')); // load the bindings first (koffi opens libc once)
  const before = openDescriptors();
  for (let i = 0; i < 10_000; i++) {
    const fd = createSocket(i % 2 === 0 ? 'stream' : 'seqpacket');
    bindSocket(fd, { cid: VMADDR_CID_ANY, port: VMADDR_PORT_ANY });
    closeSocket(fd);
  }
  expect(openDescriptors()).toBe(before);
  expect(polledDescriptors()).toEqual([]);
});
