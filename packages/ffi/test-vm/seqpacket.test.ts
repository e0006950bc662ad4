/**
 * SEQPACKET on the real kernel: boundaries, MSG_TRUNC, MSG_EOR, the size limit (the smaller
 * buffer of the two ends), what a non-blocking send does when credit runs out mid-message, and
 * SIOCOUTQ. Where kernels differ, the test says which showed what (`uname -r` in its name).
 */
import { constants, release } from 'node:os';
import { describe, expect, it } from 'vitest';
import { requireHarnessGuest } from '../src/harness.js';
import {
  bindSocket,
  connectSocket,
  createSocket,
  listenSocket,
  localAddress,
  type ReceivedMessage,
  receiveMessage,
  sendMessage,
  sendWholeMessage,
  setBlocking,
  setBufferSizes,
  VMADDR_CID_ANY,
  VMADDR_PORT_ANY,
  waitFor,
} from '../src/index.js';
import { getLibc } from '../src/libc.js';
import { trackDescriptors } from '../test/helpers/descriptors.js';
import { acceptOne } from './io.js';

requireHarnessGuest();

const { track } = trackDescriptors();

/** Whether the running kernel is at least major.minor. */
function kernelAtLeast(major: number, minor: number): boolean {
  const [a = 0, b = 0] = release()
    .split('.')
    .map((part) => Number.parseInt(part, 10));
  return a > major || (a === major && b >= minor);
}
/** Linux 6.1 reports a message larger than a buffer as ENOMEM; 6.3 and later say EMSGSIZE. */
const tooLarge = kernelAtLeast(6, 3) ? 'EMSGSIZE' : 'ENOMEM';

async function pair(buffers: { client?: number; server?: number } = {}): Promise<[number, number]> {
  const server = track(createSocket('seqpacket'));
  if (buffers.server) setBufferSizes(server, { size: buffers.server });
  bindSocket(server, { cid: VMADDR_CID_ANY, port: VMADDR_PORT_ANY });
  listenSocket(server);
  const client = track(createSocket('seqpacket'));
  if (buffers.client) setBufferSizes(client, { size: buffers.client });
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

  it(`carries a 256 KiB message whole and fails a larger one with ${tooLarge} (${release()})`, async () => {
    const [client, server] = await pair();
    const limit = 256 * 1024;
    const received = receive(server, limit + 1);
    expect(sendMessage(client, Buffer.alloc(limit, 1))).toBe(limit);
    expect((await received).message).toMatchObject({ bytes: limit, truncated: false });
    expect(() => sendMessage(client, Buffer.alloc(limit + 1, 1))).toThrowError(
      expect.objectContaining({ code: tooLarge, message: expect.stringMatching(/split it/) }),
    );
  });

  it("limits a message by the smaller of the sender's and the receiver's buffer", async () => {
    const cases = [
      { sender: 1 << 20, receiver: 1 << 20, size: 300 * 1024, passes: true },
      { sender: 1 << 20, receiver: 262_144, size: 300 * 1024, passes: false },
      { sender: 262_144, receiver: 1 << 20, size: 300 * 1024, passes: false },
      { sender: 65_536, receiver: 262_144, size: 65_537, passes: false },
      { sender: 262_144, receiver: 65_536, size: 65_537, passes: false },
      { sender: 65_536, receiver: 65_536, size: 65_536, passes: true },
    ];
    for (const { sender, receiver, size, passes } of cases) {
      const [client, server] = await pair({ client: sender, server: receiver });
      const message = Buffer.alloc(size, 3);
      if (passes) {
        const received = receive(server, size + 1);
        expect(sendMessage(client, message)).toBe(size);
        expect((await received).message).toMatchObject({ bytes: size, truncated: false });
      } else {
        expect(() => sendMessage(client, message)).toThrowError(
          expect.objectContaining({ code: tooLarge }),
        );
      }
    }
  });

  it(`a non-blocking send that runs out of credit mid-message queues a part and says EAGAIN (${release()})`, async () => {
    // What the kernel does (6.1 and 6.12 alike): the peer's credit is its 262,144-byte buffer.
    // 26 messages of 10,000 bytes fit; the 27th goes out in part (2,144 bytes, without the
    // end-of-message mark) and the call still reports EAGAIN — not the count. Whatever is sent
    // next completes that message: resending it whole gives the receiver one merged message.
    const [client, server] = await pair();
    const results = Array.from({ length: 30 }, () => sendMessage(client, Buffer.alloc(10_000, 1)));
    expect(results).toEqual([...Array(26).fill(10_000), null, null, null, null]);
    const lengths: number[] = [];
    for (let i = 0; i < 26; i++) lengths.push((await receive(server, 1 << 20)).message.length);
    expect(lengths).toEqual(Array(26).fill(10_000));
    expect(sendMessage(client, Buffer.alloc(10_000, 2))).toBe(10_000);
    const merged = await receive(server, 1 << 20);
    expect(merged.message.length).toBe(262_144 - 260_000 + 10_000);
  });

  it('sendWholeMessage waits for credit inside the kernel: every message arrives whole', async () => {
    const [client, server] = await pair();
    setBlocking(client, true);
    // One send at a time per descriptor (concurrent blocking sends could interleave their parts).
    const sends = (async () => {
      const results: number[] = [];
      for (let i = 0; i < 60; i++)
        results.push(await sendWholeMessage(client, Buffer.alloc(10_000, i)));
      return results;
    })();
    const lengths: number[] = [];
    for (let i = 0; i < 60; i++) {
      const { message, data } = await receive(server, 1 << 20);
      lengths.push(message.length);
      expect(data[0]).toBe(i);
    }
    expect(lengths).toEqual(Array(60).fill(10_000));
    expect(await sends).toEqual(Array(60).fill(10_000));
  });

  it('SIOCOUTQ: unsupported before 6.12, bytes not yet delivered from 6.12', async () => {
    const [client] = await pair();
    const out = [1];
    const status = getLibc().ioctlOutU32(client, 0x5411, out);
    if (kernelAtLeast(6, 12)) {
      expect(status).toBe(0);
      expect(out[0]).toBe(0);
    } else {
      expect(status).toBe(-1);
      // EOPNOTSUPP (95; Node names it ENOTSUP, the same number on Linux).
      expect(getLibc().errno()).toBe(constants.errno.EOPNOTSUPP);
    }
  });
});
