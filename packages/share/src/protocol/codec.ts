/**
 * Encoding and decoding of whole 9P messages (size[4] type[1] tag[2] body) with strict bounds:
 * every read checks the remaining bytes, strings must be valid UTF-8, a message must be consumed
 * exactly, and nothing is ever read past the frame. Failures throw `ERR_VMCI_SHARE_PROTOCOL`.
 */
import { messageTooLargeError, protocolError } from '../errors.js';
import { headerSize } from './constants.js';
import {
  type Body,
  type FieldKind,
  type Message,
  type MessageName,
  messageNameById,
  messages,
  type Qid,
} from './messages.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });
const qidSize = 13;

/** Reads fields from one message body, never past its end. */
class Reader {
  offset: number;
  constructor(
    private readonly view: Buffer,
    start: number,
  ) {
    this.offset = start;
  }
  private take(n: number, what: string): number {
    if (this.offset + n > this.view.length)
      throw protocolError(
        `truncated ${what}: needs ${n} bytes at offset ${this.offset}, the message has ${this.view.length}`,
      );
    const at = this.offset;
    this.offset += n;
    return at;
  }
  u8(): number {
    return this.view.readUInt8(this.take(1, 'u8'));
  }
  u16(): number {
    return this.view.readUInt16LE(this.take(2, 'u16'));
  }
  u32(): number {
    return this.view.readUInt32LE(this.take(4, 'u32'));
  }
  u64(): bigint {
    return this.view.readBigUInt64LE(this.take(8, 'u64'));
  }
  bytes(n: number, what: string): Buffer {
    const at = this.take(n, what);
    return this.view.subarray(at, at + n);
  }
  str(): string {
    const length = this.u16();
    const bytes = this.bytes(length, 'string');
    try {
      return utf8.decode(bytes);
    } catch {
      throw protocolError('a string is not valid UTF-8');
    }
  }
  qid(): Qid {
    const at = this.take(qidSize, 'qid');
    return {
      type: this.view.readUInt8(at),
      version: this.view.readUInt32LE(at + 1),
      path: this.view.readBigUInt64LE(at + 5),
    };
  }
  get remaining(): number {
    return this.view.length - this.offset;
  }
}

function readField(reader: Reader, kind: FieldKind): unknown {
  switch (kind) {
    case 'u8':
      return reader.u8();
    case 'u16':
      return reader.u16();
    case 'u32':
      return reader.u32();
    case 'u64':
      return reader.u64();
    case 'str':
      return reader.str();
    case 'qid':
      return reader.qid();
    case 'strs': {
      const count = reader.u16();
      // Each string needs at least its 2-byte length: refuse counts the frame cannot hold.
      if (count * 2 > reader.remaining) throw protocolError(`${count} strings cannot fit`);
      return Array.from({ length: count }, () => reader.str());
    }
    case 'qids': {
      const count = reader.u16();
      if (count * qidSize > reader.remaining) throw protocolError(`${count} qids cannot fit`);
      return Array.from({ length: count }, () => reader.qid());
    }
    case 'data':
      return reader.bytes(reader.u32(), 'data');
  }
}

/** The size, type id and tag of a frame's header (the frame must hold at least 7 bytes). */
export function readHeader(frame: Buffer): { size: number; typeId: number; tag: number } {
  if (frame.length < headerSize)
    throw protocolError(`a ${frame.length}-byte message has no header`);
  return { size: frame.readUInt32LE(0), typeId: frame.readUInt8(4), tag: frame.readUInt16LE(5) };
}

/**
 * Decodes one whole message (the frame as {@link FrameDecoder} cut it, size field included).
 * Throws `ERR_VMCI_SHARE_PROTOCOL` for an unknown type, a size that does not match the frame, a
 * truncated or invalid field, or bytes left over.
 */
export function decodeMessage(frame: Buffer): Message {
  const { size, typeId, tag } = readHeader(frame);
  if (size !== frame.length)
    throw protocolError(`size field ${size} does not match the ${frame.length}-byte frame`);
  const name = messageNameById.get(typeId);
  if (!name) throw protocolError(`unknown message type ${typeId}`);
  const reader = new Reader(frame, headerSize);
  const message: Record<string, unknown> = { type: name, tag };
  for (const [field, kind] of messages[name].fields) message[field] = readField(reader, kind);
  if (reader.remaining !== 0)
    throw protocolError(`${reader.remaining} bytes left over after ${name}`);
  return message as Message;
}

function fieldSize(kind: FieldKind, value: unknown): number {
  switch (kind) {
    case 'u8':
      return 1;
    case 'u16':
      return 2;
    case 'u32':
      return 4;
    case 'u64':
      return 8;
    case 'str':
      return 2 + Buffer.byteLength(value as string, 'utf8');
    case 'qid':
      return qidSize;
    case 'strs':
      return (value as string[]).reduce((n, item) => n + 2 + Buffer.byteLength(item, 'utf8'), 2);
    case 'qids':
      return 2 + qidSize * (value as Qid[]).length;
    case 'data':
      return 4 + (value as Uint8Array).length;
  }
}

class Writer {
  offset = 0;
  constructor(readonly buffer: Buffer) {}
  u8(value: number) {
    this.offset = this.buffer.writeUInt8(value, this.offset);
  }
  u16(value: number) {
    this.offset = this.buffer.writeUInt16LE(value, this.offset);
  }
  u32(value: number) {
    this.offset = this.buffer.writeUInt32LE(value, this.offset);
  }
  u64(value: bigint) {
    this.offset = this.buffer.writeBigUInt64LE(BigInt.asUintN(64, value), this.offset);
  }
  str(value: string) {
    const length = Buffer.byteLength(value, 'utf8');
    if (length > 0xffff) throw protocolError(`a ${length}-byte string exceeds 65535 bytes`);
    this.u16(length);
    this.offset += this.buffer.write(value, this.offset, 'utf8');
  }
  qid(value: Qid) {
    this.u8(value.type);
    this.u32(value.version);
    this.u64(value.path);
  }
  field(kind: FieldKind, value: unknown) {
    switch (kind) {
      case 'u8':
        return this.u8(value as number);
      case 'u16':
        return this.u16(value as number);
      case 'u32':
        return this.u32(value as number);
      case 'u64':
        return this.u64(value as bigint);
      case 'str':
        return this.str(value as string);
      case 'qid':
        return this.qid(value as Qid);
      case 'strs': {
        const items = value as string[];
        if (items.length > 0xffff) throw protocolError(`${items.length} strings exceed 65535`);
        this.u16(items.length);
        for (const item of items) this.str(item);
        return;
      }
      case 'qids': {
        const items = value as Qid[];
        if (items.length > 0xffff) throw protocolError(`${items.length} qids exceed 65535`);
        this.u16(items.length);
        for (const item of items) this.qid(item);
        return;
      }
      case 'data': {
        const bytes = value as Uint8Array;
        this.u32(bytes.length);
        this.buffer.set(bytes, this.offset);
        this.offset += bytes.length;
      }
    }
  }
}

/**
 * Encodes message `name` with `tag` and `body`. Throws `ERR_VMCI_SHARE_MESSAGE_TOO_LARGE` when
 * the result would exceed `limit` (the negotiated msize), and `ERR_VMCI_SHARE_PROTOCOL` for a value
 * a field cannot carry (a string over 65535 bytes).
 */
export function encodeMessage<N extends MessageName>(
  name: N,
  tag: number,
  body: Body<N>,
  limit = 0xffffffff,
): Buffer {
  const { id, fields } = messages[name];
  const values = body as Record<string, unknown>;
  let size = headerSize;
  for (const [field, kind] of fields) size += fieldSize(kind, values[field]);
  if (size > limit) throw messageTooLargeError(size, limit);
  const writer = new Writer(Buffer.allocUnsafe(size));
  writer.u32(size);
  writer.u8(id);
  writer.u16(tag);
  for (const [field, kind] of fields) writer.field(kind, values[field]);
  return writer.buffer;
}

/** Bytes an `Rread` / `Twrite` adds around its data (header, fid/offset fields, count). */
export const readReplyOverhead = headerSize + 4;
export const writeRequestOverhead = headerSize + 4 + 8 + 4;
