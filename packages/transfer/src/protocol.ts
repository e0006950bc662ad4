/**
 * The wire format of `vmci send` → `vmci recv` (version 1): small, binary, versioned.
 *
 * Sender → receiver:
 * ```text
 * preamble   'VMXF' u16be(version)
 * per file   'H' u32be(n) JSON{"name","size"}(n bytes, n ≤ 4096)
 *            … waits for the receiver's 'A' (accepted) or 'F' (refused: next file) …
 *            'D' data(size bytes) sha256(32 bytes)
 *            … waits for 'S' (stored) or 'F' (failed) …
 * batch end  'E', then the sender ends its side
 * ```
 * Receiver → sender: the preamble (the version it will speak), then per file `'A'` and/or
 * `'S' sha256(32)` or `'F' u32be(n) JSON{"code","message"}`; after `'E'` it ends its side.
 *
 * Waiting for `'A'` costs one round trip per file and lets the receiver refuse a file (exists,
 * too large, bad name) before a byte of it is sent. Frame types are ASCII letters so a hex dump
 * reads. Unknown header fields are ignored, so later versions can add some (mode, mtime).
 */
import { TransferError, transferErrorCodes } from './errors.js';

/** The first four bytes of both directions. */
export const MAGIC: Buffer = Buffer.from('VMXF', 'latin1');
/** The protocol version this code speaks. */
export const PROTOCOL_VERSION = 1;
export const PREAMBLE_BYTES = MAGIC.length + 2;
/** Longest file header (and failure reply) JSON accepted, in bytes. */
export const MAX_HEADER_BYTES = 4096;
export const SHA256_BYTES = 32;

/** Sender frame types. */
export const SenderFrame = { header: 0x48, data: 0x44, end: 0x45 } as const;
/** Receiver frame types. */
export const ReplyFrame = { accepted: 0x41, stored: 0x53, failed: 0x46 } as const;

/** What the sender announces before a file's data. */
export interface FileHeader {
  /** The name to store the file under (a plain base name; see name.ts). */
  readonly name: string;
  /** Exact number of data bytes that follow. */
  readonly size: number;
}

/** Why the receiver refused or failed a file. */
export interface FailureReply {
  readonly code: string;
  readonly message: string;
}

/** `'VMXF'` and the version (default: this code's). */
export function encodePreamble(version: number = PROTOCOL_VERSION): Buffer {
  const preamble = Buffer.alloc(PREAMBLE_BYTES);
  MAGIC.copy(preamble);
  preamble.writeUInt16BE(version, MAGIC.length);
  return preamble;
}

function lengthPrefixedJson(type: number, value: unknown): Buffer {
  const json = Buffer.from(JSON.stringify(value), 'utf8');
  const frame = Buffer.alloc(5 + json.length);
  frame[0] = type;
  frame.writeUInt32BE(json.length, 1);
  json.copy(frame, 5);
  return frame;
}

/** A file header frame. Throws when it would exceed {@link MAX_HEADER_BYTES}. */
export function encodeFileHeader(header: FileHeader): Buffer {
  if (!Number.isSafeInteger(header.size) || header.size < 0)
    throw new TransferError(
      transferErrorCodes.invalidArgument,
      `file size must be a whole number of bytes, got ${String(header.size)}`,
    );
  const frame = lengthPrefixedJson(SenderFrame.header, { name: header.name, size: header.size });
  if (frame.length - 5 > MAX_HEADER_BYTES)
    throw new TransferError(
      transferErrorCodes.headerTooLarge,
      `the header for '${header.name.slice(0, 64)}…' is over ${MAX_HEADER_BYTES} bytes: use a shorter name`,
    );
  return frame;
}

/** The one byte that starts a file's data (after the receiver accepted it). */
export function encodeDataStart(): Buffer {
  return Buffer.from([SenderFrame.data]);
}

/** The SHA-256 trailer after a file's data. */
export function encodeTrailer(sha256: Buffer): Buffer {
  if (sha256.length !== SHA256_BYTES)
    throw new TransferError(
      transferErrorCodes.invalidArgument,
      `a SHA-256 digest is ${SHA256_BYTES} bytes, got ${sha256.length}`,
    );
  return Buffer.from(sha256);
}

/** The end-of-batch marker. */
export function encodeEnd(): Buffer {
  return Buffer.from([SenderFrame.end]);
}

/** Receiver: "send the data". */
export function encodeAccepted(): Buffer {
  return Buffer.from([ReplyFrame.accepted]);
}

/** Receiver: the file is in place and its data hashes to `sha256`. */
export function encodeStored(sha256: Buffer): Buffer {
  return Buffer.concat([Buffer.from([ReplyFrame.stored]), encodeTrailer(sha256)]);
}

/** Receiver: the file was refused or failed. Long messages are cut to fit the limit. */
export function encodeFailed(failure: FailureReply): Buffer {
  const code = failure.code.slice(0, 64);
  let message = failure.message;
  let frame = lengthPrefixedJson(ReplyFrame.failed, { code, message });
  while (frame.length - 5 > MAX_HEADER_BYTES) {
    message = `${message.slice(0, Math.floor(message.length * 0.75))}…`;
    frame = lengthPrefixedJson(ReplyFrame.failed, { code, message });
  }
  return frame;
}
