import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { ChannelSocket } from '../src/transport-kit.js';
import { memoryPair } from './memory-channel.js';

function sockets(capacity?: number, allowHalfOpen?: boolean) {
  const [a, b] = memoryPair(capacity);
  const options = allowHalfOpen ? { allowHalfOpen } : {};
  return {
    a: new ChannelSocket(a, options),
    b: new ChannelSocket(b, options),
    channels: [a, b] as const,
  };
}

function collect(socket: ChannelSocket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  return once(socket, 'end').then(() => Buffer.concat(chunks));
}

describe('ChannelSocket over an in-memory channel', () => {
  it('reports vsock addresses', () => {
    const { a } = sockets();
    expect([a.localCid, a.localPort, a.remoteCid, a.remotePort]).toEqual([3, 1000, 2, 2000]);
    expect(a.address()).toEqual({ cid: 3, port: 1000 });
    expect(a.readyState).toBe('open');
  });

  it('carries 8 MiB through a 4 KiB channel with backpressure, intact', async () => {
    const { a, b } = sockets(4096);
    const payload = randomBytes(8 * 1024 * 1024);
    const received = collect(b);
    a.end(payload);
    const data = await received;
    expect(createHash('sha256').update(data).digest('hex')).toBe(
      createHash('sha256').update(payload).digest('hex'),
    );
    expect(a.bytesWritten).toBe(payload.length);
    expect(b.bytesRead).toBe(payload.length);
  });

  it('waits for room after a short write instead of writing again into a full channel', async () => {
    const { a, b, channels } = sockets(4096);
    const [channel] = channels;
    const write = channel.write.bind(channel);
    let refused = 0;
    channel.write = (data) => {
      const n = write(data);
      if (n === null) refused++;
      return n;
    };
    const received = collect(b);
    a.end(randomBytes(256 * 1024));
    expect((await received).length).toBe(256 * 1024);
    expect(refused).toBe(0);
  });

  it('keeps data intact when a data listener reads another socket (they share one read buffer)', async () => {
    const small = sockets(4096); // reads of at most 4 KiB: copied out of the shared buffer
    const large = sockets(1024 * 1024); // reads of 64 KiB: they take the shared buffer along
    const payloadSmall = randomBytes(256 * 1024);
    const payloadLarge = randomBytes(512 * 1024);
    large.a.end(payloadLarge);
    await new Promise((resolve) => setImmediate(resolve));
    const fromLarge: Buffer[] = [];
    const drainLarge = () => {
      for (let chunk = large.b.read(); chunk !== null; chunk = large.b.read())
        fromLarge.push(chunk);
    };
    const fromSmall: Buffer[] = [];
    small.b.on('data', (chunk: Buffer) => {
      fromSmall.push(chunk);
      drainLarge(); // runs the other socket's read inside this socket's read loop
    });
    small.a.end(payloadSmall);
    await once(small.b, 'end');
    large.b.on('data', (chunk: Buffer) => fromLarge.push(chunk));
    drainLarge();
    if (!large.b.readableEnded) await once(large.b, 'end');
    expect(Buffer.concat(fromSmall).equals(payloadSmall)).toBe(true);
    expect(Buffer.concat(fromLarge).equals(payloadLarge)).toBe(true);
  });

  it('closes both ends after both sides end', async () => {
    const { a, b } = sockets();
    b.resume();
    a.resume();
    a.end();
    b.end();
    await Promise.all([once(a, 'close'), once(b, 'close')]);
    expect(a.readyState).toBe('closed');
    expect(a.address()).toEqual({});
  });

  it('ends the writable side when the peer ends, unless allowHalfOpen', async () => {
    const { a, b } = sockets();
    b.resume();
    const ended = Promise.all([once(b, 'end'), once(b, 'finish')]);
    a.end();
    await ended;
  });

  it('keeps writing after the peer ends with allowHalfOpen', async () => {
    const { a, b } = sockets(undefined, true);
    const fromB = collect(a);
    a.end();
    await collect(b);
    b.end('late reply');
    expect((await fromB).toString()).toBe('late reply');
  });

  it('closes the channel on destroy', async () => {
    const { a, channels } = sockets();
    a.destroy();
    await once(a, 'close');
    expect(channels[0].closed).toBe(true);
  });

  it('emits timeout after inactivity without closing', async () => {
    const { a } = sockets();
    a.setTimeout(20);
    await once(a, 'timeout');
    expect(a.destroyed).toBe(false);
    a.setTimeout(0);
    a.destroy();
  });

  it('rejects a negative timeout', () => {
    const { a } = sockets();
    expect(() => a.setTimeout(-1)).toThrow(RangeError);
  });

  it('refuses connect() again with ERR_VMCI_UNSUPPORTED (a net.Socket member for types only)', () => {
    const { a } = sockets();
    expect(() => a.connect({ port: 1 })).toThrow(
      expect.objectContaining({ code: 'ERR_VMCI_UNSUPPORTED' }),
    );
    expect(a.autoSelectFamilyAttemptedAddresses).toEqual([]);
    expect(a.bufferSize).toBe(a.writableLength);
  });

  it('passes ref/unref to the channel', () => {
    const { a, channels } = sockets();
    a.unref();
    expect(channels[0].refd).toBe(false);
    a.ref();
    expect(channels[0].refd).toBe(true);
  });

  it('notices the peer closing even when nobody reads', async () => {
    const { a, b } = sockets();
    b.destroy();
    await once(a, 'close');
  });
});
