/**
 * The codec: every message round-trips; truncated, padded, mis-sized and invalid messages are
 * refused with ERR_VMCI_SHARE_PROTOCOL; the frame decoder cuts a stream however it is split and
 * refuses sizes that break the framing.
 */
import { describe, expect, it } from 'vitest';
import {
  decodeMessage,
  encodeMessage,
  FrameDecoder,
  type MessageName,
  messages,
} from '../src/index.js';
import { sampleBody } from './samples.js';

const names = Object.keys(messages) as MessageName[];

describe('encode/decode', () => {
  it.each(names)('%s round-trips', (name) => {
    const body = sampleBody(name, 1);
    const frame = encodeMessage(name, 42, body as never);
    expect(frame.readUInt32LE(0)).toBe(frame.length);
    expect(decodeMessage(frame)).toEqual({ type: name, tag: 42, ...body });
  });

  it.each(names)('%s truncated at every byte is refused', (name) => {
    const frame = encodeMessage(name, 1, sampleBody(name, 2) as never);
    for (let length = 7; length < frame.length; length++) {
      const cut = Buffer.from(frame.subarray(0, length));
      cut.writeUInt32LE(length, 0);
      expect(() => decodeMessage(cut)).toThrow(
        expect.objectContaining({ code: 'ERR_VMCI_SHARE_PROTOCOL' }),
      );
    }
  });

  it('refuses trailing bytes, a size that does not match, an unknown type and bad UTF-8', () => {
    const frame = encodeMessage('Tclunk', 1, { fid: 5 });
    const padded = Buffer.concat([frame, Buffer.from([0])]);
    padded.writeUInt32LE(padded.length, 0);
    const code = { code: 'ERR_VMCI_SHARE_PROTOCOL' };
    expect(() => decodeMessage(padded)).toThrow(expect.objectContaining(code));
    expect(() => decodeMessage(frame.subarray(0, 9))).toThrow(expect.objectContaining(code));
    const unknown = Buffer.from(frame);
    unknown.writeUInt8(99, 4);
    expect(() => decodeMessage(unknown)).toThrow(expect.objectContaining(code));
    const name = encodeMessage('Tmkdir', 1, { dfid: 0, name: 'ab', mode: 0, gid: 0 });
    name.writeUInt8(0xff, 13); // first byte of the name
    expect(() => decodeMessage(name)).toThrow(expect.objectContaining(code));
    expect(() => decodeMessage(Buffer.alloc(3))).toThrow(expect.objectContaining(code));
  });

  it('refuses a string count or qid count the frame cannot hold', () => {
    const walk = encodeMessage('Twalk', 1, { fid: 0, newfid: 1, names: [] });
    walk.writeUInt16LE(60000, 15);
    expect(() => decodeMessage(walk)).toThrow(
      expect.objectContaining({ code: 'ERR_VMCI_SHARE_PROTOCOL' }),
    );
    const data = encodeMessage('Rread', 1, { data: Buffer.from('abc') });
    data.writeUInt32LE(0xffffffff, 7);
    expect(() => decodeMessage(data)).toThrow(
      expect.objectContaining({ code: 'ERR_VMCI_SHARE_PROTOCOL' }),
    );
  });

  it('refuses to encode past the limit or a string over 65535 bytes', () => {
    expect(() => encodeMessage('Rread', 1, { data: Buffer.alloc(100) }, 50)).toThrow(
      expect.objectContaining({ code: 'ERR_VMCI_SHARE_MESSAGE_TOO_LARGE' }),
    );
    expect(() => encodeMessage('Rreadlink', 1, { target: 'x'.repeat(70000) })).toThrow(
      expect.objectContaining({ code: 'ERR_VMCI_SHARE_PROTOCOL' }),
    );
  });
});

describe('FrameDecoder', () => {
  const stream = Buffer.concat(
    names
      .filter((n) => n !== 'Rlerror')
      .map((name, i) => encodeMessage(name, i, sampleBody(name, i) as never)),
  );

  it('cuts the same messages whether bytes come one at a time or all at once', () => {
    const whole = new FrameDecoder(1 << 20).push(stream);
    const decoder = new FrameDecoder(1 << 20);
    const single: Buffer[] = [];
    for (let i = 0; i < stream.length; i++) single.push(...decoder.push(stream.subarray(i, i + 1)));
    expect(single.map((f) => f.toString('hex'))).toEqual(whole.map((f) => f.toString('hex')));
    expect(whole.length).toBe(names.length - 1);
    expect(decoder.pending).toBe(0);
  });

  it('refuses a size below the header or above the limit', () => {
    const small = Buffer.alloc(8);
    small.writeUInt32LE(6, 0);
    expect(() => new FrameDecoder(100).push(small)).toThrow(
      expect.objectContaining({ code: 'ERR_VMCI_SHARE_PROTOCOL' }),
    );
    const big = Buffer.alloc(4);
    big.writeUInt32LE(101, 0);
    expect(() => new FrameDecoder(100).push(big)).toThrow(
      expect.objectContaining({ code: 'ERR_VMCI_SHARE_MESSAGE_TOO_LARGE' }),
    );
  });
});
