/**
 * SEQPACKET on the real kernel: boundaries, MSG_TRUNC, MSG_EOR and the 256 KiB limit (ENOMEM).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { requireHarnessGuest } from '../src/harness.js';
import {
  bindSocket,
  closeSocket,
  connectSocket,
  createSocket,
  listenSocket,
  localAddress,
  type ReceivedMessage,
  receiveMessage,
  sendMessage,
  VMADDR_CID_ANY,
  VMADDR_PORT_ANY,
  waitFor,
} from '../src/index.js';
import { acceptOne } from './io.js';

requireHarnessGuest();

const open: number[] = [];
const track = (fd: number) => {
  open.push(fd);
  return fd;
};
afterEach(() => {
  for (const fd of open.splice(0)) closeSocket(fd);
});

async function pair(): Promise<[number, number]> {
  const server = track(createSocket('seqpacket'));
  bindSocket(server, { cid: VMADDR_CID_ANY, port: VMADDR_PORT_ANY });
  listenSocket(server);
  const client = track(createSocket('seqpacket'));
  const [accepted] = await Promise.all([
    acceptOne(server),
    connectSocket(client, { cid: 1, port: localAddress(server).port }),
  ]);
  return [client, track(accepted.fd)];
}

async function receive(
  fd: number,
  size: number,
): Promise<{ message: ReceivedMessage; data: Buffer }> {
  const buffer = Buffer.alloc(size);
  for (;;) {
    const message = receiveMessage(fd, buffer);
    if (message) return { message, data: buffer.subarray(0, message.bytes) };
    await waitFor(fd, { readable: true });
  }
}

describe('seqpacket on the real kernel', () => {
  it('keeps message boundaries', async () => {
    const [client, server] = await pair();
    for (const text of ['one', 'two two', 'three three three'])
      expect(sendMessage(client, Buffer.from(text))).toBe(text.length);
    for (const text of ['one', 'two two', 'three three three']) {
      const { data, message } = await receive(server, 1024);
      expect(data.toString()).toBe(text);
      expect(message.truncated).toBe(false);
    }
  });

  it('reports MSG_TRUNC and the whole length for a short read, and drops the rest', async () => {
    const [client, server] = await pair();
    sendMessage(client, Buffer.alloc(100, 7));
    sendMessage(client, Buffer.from('next'));
    const first = await receive(server, 10);
    expect(first.message).toMatchObject({ bytes: 10, length: 100, truncated: true });
    const second = await receive(server, 100);
    expect(second.data.toString()).toBe('next');
  });

  it('sets MSG_EOR only when the sender asked for it', async () => {
    const [client, server] = await pair();
    sendMessage(client, Buffer.from('plain'));
    sendMessage(client, Buffer.from('record'), { endOfRecord: true });
    expect((await receive(server, 64)).message.endOfRecord).toBe(false);
    expect((await receive(server, 64)).message.endOfRecord).toBe(true);
  });

  it('carries a 256 KiB message whole and fails a larger one with ENOMEM', async () => {
    const [client, server] = await pair();
    const limit = 256 * 1024;
    const received = receive(server, limit + 1);
    expect(sendMessage(client, Buffer.alloc(limit, 1))).toBe(limit);
    expect((await received).message).toMatchObject({ bytes: limit, truncated: false });
    expect(() => sendMessage(client, Buffer.alloc(limit + 1, 1))).toThrowError(
      expect.objectContaining({ code: 'ENOMEM', message: expect.stringMatching(/split it/) }),
    );
  });
});
