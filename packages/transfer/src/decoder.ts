/**
 * Incremental parsers for both directions of the transfer protocol (see protocol.ts). They take
 * chunks as they arrive, split anywhere, and return what each chunk completed. File data is handed
 * on as slices of the input, never collected, so memory stays flat whatever the file size. Bad
 * input throws a {@link TransferError}; after that the decoder throws the same error again.
 */
import { TransferError, transferErrorCodes } from './errors.js';
import { quoteName } from './name.js';
import {
  type FailureReply,
  type FileHeader,
  MAGIC,
  MAX_HEADER_BYTES,
  PREAMBLE_BYTES,
  PROTOCOL_VERSION,
  ReplyFrame,
  SenderFrame,
  SHA256_BYTES,
} from './protocol.js';

/** What the sender's stream contained, in order. */
export type TransferEvent =
  | { readonly type: 'hello'; readonly version: number }
  | { readonly type: 'header'; readonly header: FileHeader }
  /** The data of the last header's file follows (the receiver accepted it). */
  | { readonly type: 'data-start'; readonly header: FileHeader }
  | { readonly type: 'data'; readonly chunk: Buffer }
  | { readonly type: 'trailer'; readonly sha256: Buffer }
  | { readonly type: 'end' };

/** What the receiver answered, in order. */
export type ReplyEvent =
  | { readonly type: 'hello'; readonly version: number }
  | { readonly type: 'accepted' }
  | { readonly type: 'stored'; readonly sha256: Buffer }
  | { readonly type: 'failed'; readonly failure: FailureReply };

export interface DecoderOptions {
  /** Largest JSON header accepted (bytes); default {@link MAX_HEADER_BYTES}. */
  readonly maxHeaderBytes?: number;
  /** Versions this side understands; default only {@link PROTOCOL_VERSION}. */
  readonly versions?: readonly number[];
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Collects a fixed number of bytes across chunks (preambles, lengths, headers, digests). */
class FixedField {
  readonly bytes: Buffer;
  filled = 0;
  constructor(length: number) {
    this.bytes = Buffer.alloc(length);
  }
  /** Copies what fits from `chunk` at `offset`; returns the new offset. */
  fill(chunk: Buffer, offset: number): number {
    const copied = chunk.copy(
      this.bytes,
      this.filled,
      offset,
      offset + this.bytes.length - this.filled,
    );
    this.filled += copied;
    return offset + copied;
  }
  get complete(): boolean {
    return this.filled === this.bytes.length;
  }
}

/** The parts both directions share: the preamble, a sticky error, length-prefixed JSON. */
abstract class FrameDecoder<Event> {
  protected readonly maxHeaderBytes: number;
  private readonly versions: readonly number[];
  private preamble: FixedField | undefined = new FixedField(PREAMBLE_BYTES);
  private error: TransferError | undefined;
  /** Total bytes taken, for messages. */
  protected offset = 0;

  constructor(
    private readonly peer: string,
    options: DecoderOptions,
  ) {
    this.maxHeaderBytes = options.maxHeaderBytes ?? MAX_HEADER_BYTES;
    this.versions = options.versions ?? [PROTOCOL_VERSION];
  }

  /** Parses `chunk`; returns the events it completed. Throws on malformed input. */
  push(chunk: Buffer): Event[] {
    if (this.error) throw this.error;
    const events: Event[] = [];
    try {
      let position = 0;
      while (position < chunk.length) {
        const before = position;
        position = this.preamble
          ? this.takePreamble(chunk, position, events)
          : this.take(chunk, position, events);
        this.offset += position - before;
      }
    } catch (error) {
      this.error = error as TransferError;
      throw error;
    }
    return events;
  }

  /** The input ended: throws ERR_VMCI_TRANSFER_TRUNCATED unless it ended where it may. */
  finish(): void {
    if (this.error) throw this.error;
    const problem = this.preamble
      ? this.preamble.filled === 0
        ? `the ${this.peer} closed the connection without sending anything`
        : `the ${this.peer} closed the connection in the middle of the protocol preamble`
      : this.unfinished();
    if (problem !== undefined) {
      this.error = new TransferError(transferErrorCodes.truncated, problem);
      throw this.error;
    }
  }

  private takePreamble(chunk: Buffer, position: number, events: Event[]): number {
    const preamble = this.preamble as FixedField;
    const start = preamble.filled;
    const next = preamble.fill(chunk, position);
    // Compare the magic as it arrives, so a stranger (an HTTP client, a typo'd port) is told at once.
    for (let index = start; index < Math.min(preamble.filled, MAGIC.length); index++) {
      if (preamble.bytes[index] !== MAGIC[index])
        throw new TransferError(
          transferErrorCodes.badMagic,
          `the ${this.peer} does not speak the vmci transfer protocol (its first bytes are not 'VMXF'): check the port, and use 'vmci send' with 'vmci recv'`,
        );
    }
    if (!preamble.complete) return next;
    const version = preamble.bytes.readUInt16BE(MAGIC.length);
    if (!this.versions.includes(version))
      throw new TransferError(
        transferErrorCodes.unsupportedVersion,
        `the ${this.peer} speaks transfer protocol version ${version}, this vmci speaks ${this.versions.join(', ')}: use the same vmci version on both sides`,
      );
    this.preamble = undefined;
    events.push(this.hello(version));
    return next;
  }

  /** A length-prefixed JSON body's length, checked against the limit. */
  protected checkJsonLength(length: number, what: string): number {
    if (length === 0)
      throw new TransferError(
        transferErrorCodes.badHeader,
        `the ${this.peer} sent an empty ${what}`,
      );
    if (length > this.maxHeaderBytes)
      throw new TransferError(
        transferErrorCodes.headerTooLarge,
        `the ${this.peer} sent a ${length}-byte ${what}; at most ${this.maxHeaderBytes} bytes are accepted`,
      );
    return length;
  }

  /** Parses a JSON object, or throws ERR_VMCI_TRANSFER_BAD_HEADER naming `what`. */
  protected parseJsonObject(bytes: Buffer, what: string): Record<string, unknown> {
    let value: unknown;
    try {
      value = JSON.parse(utf8.decode(bytes));
    } catch {
      throw new TransferError(
        transferErrorCodes.badHeader,
        `the ${this.peer} sent a ${what} that is not UTF-8 JSON`,
      );
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new TransferError(
        transferErrorCodes.badHeader,
        `the ${this.peer} sent a ${what} that is not a JSON object`,
      );
    return value as Record<string, unknown>;
  }

  protected unknownFrame(type: number, expected: string): TransferError {
    return new TransferError(
      transferErrorCodes.badFrame,
      `the ${this.peer} sent frame type 0x${type.toString(16).padStart(2, '0')} at byte ${this.offset}, expected ${expected}: the stream is corrupt or not from a compatible vmci`,
    );
  }

  protected abstract hello(version: number): Event;
  /** Parses from `position` after the preamble; returns the new position. */
  protected abstract take(chunk: Buffer, position: number, events: Event[]): number;
  /** Why the input may not end here, or undefined when it may. */
  protected abstract unfinished(): string | undefined;
}

type TransferState =
  | { readonly kind: 'frame' }
  | { readonly kind: 'header-length'; readonly field: FixedField }
  | { readonly kind: 'header'; readonly field: FixedField }
  | { readonly kind: 'data'; readonly header: FileHeader; remaining: number }
  | { readonly kind: 'trailer'; readonly header: FileHeader; readonly field: FixedField }
  | { readonly kind: 'ended' };

/**
 * Parses what `vmci send` writes. The receiver decides between a header and its data whether
 * to accept the file, so the decoder allows either a data frame or the next header after one.
 */
export class TransferDecoder extends FrameDecoder<TransferEvent> {
  private state: TransferState = { kind: 'frame' };
  /** The last header, until its data started or the next header came. */
  private lastHeader: FileHeader | undefined;
  private filesStarted = 0;

  constructor(options: DecoderOptions = {}) {
    super('sender', options);
  }

  /** The file whose data is arriving, with how much of it came so far. */
  get currentFile(): { readonly header: FileHeader; readonly received: number } | undefined {
    const state = this.state;
    if (state.kind === 'data')
      return { header: state.header, received: state.header.size - state.remaining };
    if (state.kind === 'trailer') return { header: state.header, received: state.header.size };
    return undefined;
  }

  protected hello(version: number): TransferEvent {
    return { type: 'hello', version };
  }

  protected take(chunk: Buffer, position: number, events: TransferEvent[]): number {
    const state = this.state;
    switch (state.kind) {
      case 'frame':
        return this.takeFrameType(chunk, position, events);
      case 'header-length': {
        const next = state.field.fill(chunk, position);
        if (state.field.complete) {
          const length = this.checkJsonLength(state.field.bytes.readUInt32BE(0), 'file header');
          this.state = { kind: 'header', field: new FixedField(length) };
        }
        return next;
      }
      case 'header': {
        const next = state.field.fill(chunk, position);
        if (state.field.complete) {
          const header = this.parseHeader(state.field.bytes);
          this.lastHeader = header;
          this.state = { kind: 'frame' };
          events.push({ type: 'header', header });
        }
        return next;
      }
      case 'data': {
        const take = Math.min(state.remaining, chunk.length - position);
        state.remaining -= take;
        events.push({ type: 'data', chunk: chunk.subarray(position, position + take) });
        if (state.remaining === 0)
          this.state = {
            kind: 'trailer',
            header: state.header,
            field: new FixedField(SHA256_BYTES),
          };
        return position + take;
      }
      case 'trailer': {
        const next = state.field.fill(chunk, position);
        if (state.field.complete) {
          this.state = { kind: 'frame' };
          events.push({ type: 'trailer', sha256: state.field.bytes });
        }
        return next;
      }
      case 'ended':
        throw new TransferError(
          transferErrorCodes.badFrame,
          'the sender sent more data after the end-of-batch marker: the stream is corrupt',
        );
    }
  }

  private takeFrameType(chunk: Buffer, position: number, events: TransferEvent[]): number {
    const type = chunk[position] as number;
    if (type === SenderFrame.header) {
      this.lastHeader = undefined;
      this.state = { kind: 'header-length', field: new FixedField(4) };
    } else if (type === SenderFrame.data && this.lastHeader) {
      const header = this.lastHeader;
      this.lastHeader = undefined;
      this.filesStarted++;
      events.push({ type: 'data-start', header });
      this.state =
        header.size === 0
          ? { kind: 'trailer', header, field: new FixedField(SHA256_BYTES) }
          : { kind: 'data', header, remaining: header.size };
    } else if (type === SenderFrame.end) {
      this.lastHeader = undefined;
      this.state = { kind: 'ended' };
      events.push({ type: 'end' });
    } else {
      throw this.unknownFrame(
        type,
        this.lastHeader ? "'D' (data), 'H' (header) or 'E' (end)" : "'H' (header) or 'E' (end)",
      );
    }
    return position + 1;
  }

  private parseHeader(bytes: Buffer): FileHeader {
    const value = this.parseJsonObject(bytes, 'file header');
    const { name, size } = value;
    if (typeof name !== 'string')
      throw new TransferError(
        transferErrorCodes.badHeader,
        'the sender sent a file header without a string "name"',
      );
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0)
      throw new TransferError(
        transferErrorCodes.badHeader,
        `the sender sent a file header for ${quoteName(name)} whose "size" is not a whole number of bytes`,
      );
    return { name, size };
  }

  protected unfinished(): string | undefined {
    const state = this.state;
    switch (state.kind) {
      case 'ended':
        return undefined;
      case 'data':
        return `the sender disconnected after ${state.header.size - state.remaining} of ${state.header.size} bytes of ${quoteName(state.header.name)}`;
      case 'trailer':
        return `the sender disconnected before the SHA-256 trailer of ${quoteName(state.header.name)}`;
      case 'header-length':
      case 'header':
        return 'the sender disconnected in the middle of a file header';
      case 'frame':
        return this.lastHeader
          ? `the sender disconnected after announcing ${quoteName(this.lastHeader.name)}, before its data`
          : `the sender disconnected before the end-of-batch marker (after ${this.filesStarted} file(s))`;
    }
  }
}

type ReplyState =
  | { readonly kind: 'frame' }
  | { readonly kind: 'stored'; readonly field: FixedField }
  | { readonly kind: 'failed-length'; readonly field: FixedField }
  | { readonly kind: 'failed'; readonly field: FixedField };

/** Parses what `vmci recv` answers. */
export class ReplyDecoder extends FrameDecoder<ReplyEvent> {
  private state: ReplyState = { kind: 'frame' };

  constructor(options: DecoderOptions = {}) {
    super('receiver', options);
  }

  protected hello(version: number): ReplyEvent {
    return { type: 'hello', version };
  }

  protected take(chunk: Buffer, position: number, events: ReplyEvent[]): number {
    const state = this.state;
    switch (state.kind) {
      case 'frame': {
        const type = chunk[position] as number;
        if (type === ReplyFrame.accepted) events.push({ type: 'accepted' });
        else if (type === ReplyFrame.stored)
          this.state = { kind: 'stored', field: new FixedField(SHA256_BYTES) };
        else if (type === ReplyFrame.failed)
          this.state = { kind: 'failed-length', field: new FixedField(4) };
        else throw this.unknownFrame(type, "'A' (accepted), 'S' (stored) or 'F' (failed)");
        return position + 1;
      }
      case 'stored': {
        const next = state.field.fill(chunk, position);
        if (state.field.complete) {
          this.state = { kind: 'frame' };
          events.push({ type: 'stored', sha256: state.field.bytes });
        }
        return next;
      }
      case 'failed-length': {
        const next = state.field.fill(chunk, position);
        if (state.field.complete) {
          const length = this.checkJsonLength(state.field.bytes.readUInt32BE(0), 'failure reply');
          this.state = { kind: 'failed', field: new FixedField(length) };
        }
        return next;
      }
      case 'failed': {
        const next = state.field.fill(chunk, position);
        if (state.field.complete) {
          const value = this.parseJsonObject(state.field.bytes, 'failure reply');
          this.state = { kind: 'frame' };
          events.push({
            type: 'failed',
            failure: {
              code: typeof value.code === 'string' ? value.code : 'ERR_VMCI_TRANSFER_FAILED',
              message: typeof value.message === 'string' ? value.message : 'the receiver failed',
            },
          });
        }
        return next;
      }
    }
  }

  protected unfinished(): string | undefined {
    return this.state.kind === 'frame'
      ? undefined
      : 'the receiver closed the connection in the middle of a reply';
  }
}
