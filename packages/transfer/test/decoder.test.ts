/**
 * The transfer protocol's framing: what the encoder writes, the decoder reads back — whatever
 * the chunk boundaries — and malformed input is rejected with a typed error, never a hang.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ReplyDecoder, TransferDecoder, type TransferEvent } from '../src/decoder.js';
import { TransferError } from '../src/errors.js';
import {
  encodeAccepted,
  encodeDataStart,
  encodeEnd,
  encodeFailed,
  encodeFileHeader,
  encodePreamble,
  encodeStored,
  encodeTrailer,
  MAX_HEADER_BYTES,
} from '../src/protocol.js';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest();
const content = Buffer.from('hello, vsock');

/** A batch of two files (the second one empty) as `vmci send` writes it. */
function batch(): Buffer {
  return Buffer.concat([
    encodePreamble(),
    encodeFileHeader({ name: 'a.txt', size: content.length }),
    encodeDataStart(),
    content,
    encodeTrailer(sha256(content)),
    encodeFileHeader({ name: 'empty', size: 0 }),
    encodeDataStart(),
    encodeTrailer(sha256(Buffer.alloc(0))),
    encodeEnd(),
  ]);
}

/** Events with data chunks merged, so splits do not change the comparison. */
function normalize(events: TransferEvent[]): unknown[] {
  const merged: unknown[] = [];
  for (const event of events) {
    const last = merged.at(-1) as { type: string; chunk?: Buffer } | undefined;
    if (event.type === 'data' && last?.type === 'data')
      last.chunk = Buffer.concat([last.chunk as Buffer, event.chunk]);
    else if (event.type === 'data') merged.push({ type: 'data', chunk: Buffer.from(event.chunk) });
    else merged.push(event);
  }
  return merged;
}

function decodeAll(chunks: Buffer[]): TransferEvent[] {
  const decoder = new TransferDecoder();
  const events = chunks.flatMap((chunk) => decoder.push(chunk));
  decoder.finish();
  return events;
}

function decodeError(bytes: Buffer, finish = false): TransferError {
  const decoder = new TransferDecoder();
  try {
    decoder.push(bytes);
    if (finish) decoder.finish();
  } catch (error) {
    expect(error).toBeInstanceOf(TransferError);
    return error as TransferError;
  }
  throw new Error('expected the decoder to reject the input');
}

describe('TransferDecoder', () => {
  it('reads a batch in one chunk', () => {
    expect(normalize(decodeAll([batch()]))).toEqual([
      { type: 'hello', version: 1 },
      { type: 'header', header: { name: 'a.txt', size: content.length } },
      { type: 'data-start', header: { name: 'a.txt', size: content.length } },
      { type: 'data', chunk: content },
      { type: 'trailer', sha256: sha256(content) },
      { type: 'header', header: { name: 'empty', size: 0 } },
      { type: 'data-start', header: { name: 'empty', size: 0 } },
      { type: 'trailer', sha256: sha256(Buffer.alloc(0)) },
      { type: 'end' },
    ]);
  });

  it('reads the same events when split at every byte boundary', () => {
    const bytes = batch();
    const expected = normalize(decodeAll([bytes]));
    for (let split = 1; split < bytes.length; split++) {
      const events = decodeAll([bytes.subarray(0, split), bytes.subarray(split)]);
      expect(normalize(events), `split at ${split}`).toEqual(expected);
    }
  });

  it('reads the same events fed one byte at a time', () => {
    const bytes = batch();
    const chunks = Array.from(bytes, (_, index) => bytes.subarray(index, index + 1));
    expect(normalize(decodeAll(chunks))).toEqual(normalize(decodeAll([bytes])));
  });

  it('hands file data on as slices of the input, not copies', () => {
    const bytes = batch();
    const events = new TransferDecoder().push(bytes);
    const data = events.find((event) => event.type === 'data') as { chunk: Buffer };
    expect(data.chunk.buffer).toBe(bytes.buffer);
  });

  it('accepts a header followed by the next header (the receiver refused the first file)', () => {
    const events = decodeAll([
      Buffer.concat([
        encodePreamble(),
        encodeFileHeader({ name: 'refused', size: 5 }),
        encodeFileHeader({ name: 'next', size: 0 }),
        encodeEnd(),
      ]),
    ]);
    expect(events.map((event) => event.type)).toEqual(['hello', 'header', 'header', 'end']);
  });

  it('rejects bad magic as soon as the first byte differs', () => {
    expect(decodeError(Buffer.from('G'))).toMatchObject({ code: 'ERR_VMCI_TRANSFER_BAD_MAGIC' });
    expect(decodeError(Buffer.from('GET / HTTP/1.1\r\n')).message).toMatch(/check the port/);
  });

  it('rejects an unsupported version and says what to do', () => {
    const error = decodeError(encodePreamble(2));
    expect(error.code).toBe('ERR_VMCI_TRANSFER_UNSUPPORTED_VERSION');
    expect(error.message).toMatch(/version 2.*same vmci version on both sides/);
  });

  it('rejects an oversized header from its length alone', () => {
    const frame = Buffer.from([0x48, 0, 0, 0x10, 0x01]); // 'H', 4097 bytes announced
    const error = decodeError(Buffer.concat([encodePreamble(), frame]));
    expect(error.code).toBe('ERR_VMCI_TRANSFER_HEADER_TOO_LARGE');
    expect(MAX_HEADER_BYTES).toBe(4096);
  });

  it('rejects a header that is not JSON, not UTF-8, or lacks a name or a valid size', () => {
    const header = (body: Buffer) => {
      const frame = Buffer.alloc(5 + body.length);
      frame[0] = 0x48;
      frame.writeUInt32BE(body.length, 1);
      body.copy(frame, 5);
      return decodeError(Buffer.concat([encodePreamble(), frame]));
    };
    for (const body of [
      '{"name":',
      '[1,2]',
      '{"size":1}',
      '{"name":"a","size":-1}',
      '{"name":"a","size":1.5}',
      '{"name":"a","size":"1"}',
      '{"name":"a","size":9007199254740993}',
    ])
      expect(header(Buffer.from(body)).code, body).toBe('ERR_VMCI_TRANSFER_BAD_HEADER');
    expect(header(Buffer.from([0x7b, 0xff, 0x7d])).code).toBe('ERR_VMCI_TRANSFER_BAD_HEADER');
    expect(header(Buffer.alloc(0)).code).toBe('ERR_VMCI_TRANSFER_BAD_HEADER');
  });

  it('rejects an unknown frame type', () => {
    const error = decodeError(Buffer.concat([encodePreamble(), Buffer.from('Z')]));
    expect(error.code).toBe('ERR_VMCI_TRANSFER_BAD_FRAME');
    expect(error.message).toMatch(/0x5a at byte 6/);
  });

  it('rejects data that follows no header', () => {
    const error = decodeError(Buffer.concat([encodePreamble(), encodeDataStart()]));
    expect(error.code).toBe('ERR_VMCI_TRANSFER_BAD_FRAME');
  });

  it('rejects bytes after the end-of-batch marker', () => {
    const error = decodeError(Buffer.concat([encodePreamble(), encodeEnd(), Buffer.from('x')]));
    expect(error.code).toBe('ERR_VMCI_TRANSFER_BAD_FRAME');
  });

  it('reports a truncation mid-file with how much arrived', () => {
    const bytes = batch();
    const cut = bytes.indexOf(content) + 5;
    const error = decodeError(bytes.subarray(0, cut), true);
    expect(error.code).toBe('ERR_VMCI_TRANSFER_TRUNCATED');
    expect(error.message).toBe(
      `the sender disconnected after 5 of ${content.length} bytes of 'a.txt'`,
    );
  });

  it('reports a truncation at every point before the end-of-batch marker', () => {
    const bytes = batch();
    for (let cut = 0; cut < bytes.length; cut++) {
      const decoder = new TransferDecoder();
      decoder.push(bytes.subarray(0, cut));
      expect(() => decoder.finish(), `cut at ${cut}`).toThrow(
        expect.objectContaining({ code: 'ERR_VMCI_TRANSFER_TRUNCATED' }),
      );
    }
  });

  it('keeps failing with the same error after bad input', () => {
    const decoder = new TransferDecoder();
    expect(() => decoder.push(Buffer.from('nope'))).toThrow(TransferError);
    expect(() => decoder.push(batch())).toThrow(/does not speak/);
    expect(() => decoder.finish()).toThrow(/does not speak/);
  });
});

describe('ReplyDecoder', () => {
  it('reads every reply type, split at every byte boundary', () => {
    const digest = sha256(content);
    const bytes = Buffer.concat([
      encodePreamble(),
      encodeAccepted(),
      encodeStored(digest),
      encodeFailed({ code: 'EEXIST', message: "'a' already exists" }),
    ]);
    const expected = [
      { type: 'hello', version: 1 },
      { type: 'accepted' },
      { type: 'stored', sha256: digest },
      { type: 'failed', failure: { code: 'EEXIST', message: "'a' already exists" } },
    ];
    for (let split = 0; split <= bytes.length; split++) {
      const decoder = new ReplyDecoder();
      const events = [
        ...decoder.push(bytes.subarray(0, split)),
        ...decoder.push(bytes.subarray(split)),
      ];
      decoder.finish();
      expect(events, `split at ${split}`).toEqual(expected);
    }
  });

  it('cuts a failure message that would exceed the limit', () => {
    const frame = encodeFailed({ code: 'EIO', message: 'x'.repeat(10_000) });
    expect(frame.length - 5).toBeLessThanOrEqual(MAX_HEADER_BYTES);
    const [, failed] = new ReplyDecoder().push(Buffer.concat([encodePreamble(), frame]));
    expect(failed).toMatchObject({ type: 'failed', failure: { code: 'EIO' } });
  });

  it('rejects a receiver that closes mid-reply', () => {
    const decoder = new ReplyDecoder();
    decoder.push(Buffer.concat([encodePreamble(), encodeStored(sha256(content)).subarray(0, 10)]));
    expect(() => decoder.finish()).toThrow(
      expect.objectContaining({ code: 'ERR_VMCI_TRANSFER_TRUNCATED' }),
    );
  });
});

describe('encoder', () => {
  it('writes the preamble as VMXF and a big-endian version', () => {
    expect(encodePreamble().toString('hex')).toBe(
      Buffer.from('VMXF\0\x01', 'latin1').toString('hex'),
    );
  });

  it('refuses a header over the limit and a trailer that is not 32 bytes', () => {
    expect(() => encodeFileHeader({ name: 'x'.repeat(5000), size: 1 })).toThrow(
      expect.objectContaining({ code: 'ERR_VMCI_TRANSFER_HEADER_TOO_LARGE' }),
    );
    expect(() => encodeTrailer(Buffer.alloc(31))).toThrow(TransferError);
    expect(() => encodeFileHeader({ name: 'x', size: -1 })).toThrow(TransferError);
  });
});
