/**
 * The wire between a process that joined a served hypervisor and the process that owns it: a Unix
 * stream connection that starts with JSON lines (a request, a reply; a listener's control
 * connection stays in lines) and then carries frames — `[type u8][length u32 BE][payload]`.
 */
import type net from 'node:net';
import { errorCodeOf } from '@vmci/sockets';

/** Frame types on a data connection. */
export const Frame = {
  /** Stream bytes. */
  data: 0x44,
  /** Half-close: the peer reads end of stream after what was sent. */
  end: 0x45,
  /** A graceful close of this end (the other side of the wire closes its socket too). */
  close: 0x43,
  /** The connection failed: payload is JSON `{ code, message }`. */
  reset: 0x52,
  /** One SEQPACKET message, whole: see {@link encodeMessage}. */
  message: 0x4d,
  /** One datagram: see {@link encodeDatagram}. */
  datagram: 0x47,
  /** The joined process consumed a datagram of `u32 BE` bytes: the owner frees that much queue. */
  ack: 0x41,
} as const;

/** A SEQPACKET message as it crosses the wire (what the receiving end's channel returns). */
export interface WireMessage {
  readonly data: Buffer;
  /** The whole message's length (larger than `data` when a staged fault truncated it). */
  readonly length: number;
  readonly truncated: boolean;
  readonly endOfRecord: boolean;
}

/** `[flags u8: 1 end of record, 2 truncated][length u32 BE][data]`. */
export function encodeMessage(message: WireMessage): Buffer {
  const header = Buffer.allocUnsafe(5);
  header[0] = (message.endOfRecord ? 1 : 0) | (message.truncated ? 2 : 0);
  header.writeUInt32BE(message.length, 1);
  return Buffer.concat([header, message.data]);
}

export function decodeMessage(payload: Buffer): WireMessage {
  const flags = payload[0] as number;
  return {
    data: Buffer.from(payload.subarray(5)),
    length: payload.readUInt32BE(1),
    truncated: (flags & 2) !== 0,
    endOfRecord: (flags & 1) !== 0,
  };
}

/** A datagram: the peer's address (sender toward the joined process, destination from it). */
export interface WireDatagram {
  readonly data: Buffer;
  readonly address: { readonly cid: number; readonly port: number };
  readonly truncated: boolean;
}

/** `[cid u32 BE][port u32 BE][flags u8: 1 truncated][data]`. */
export function encodeDatagram(datagram: WireDatagram): Buffer {
  const header = Buffer.allocUnsafe(9);
  header.writeUInt32BE(datagram.address.cid >>> 0, 0);
  header.writeUInt32BE(datagram.address.port >>> 0, 4);
  header[8] = datagram.truncated ? 1 : 0;
  return Buffer.concat([header, datagram.data]);
}

export function decodeDatagram(payload: Buffer): WireDatagram {
  return {
    address: { cid: payload.readUInt32BE(0), port: payload.readUInt32BE(4) },
    truncated: ((payload[8] as number) & 1) !== 0,
    data: Buffer.from(payload.subarray(9)),
  };
}

const headerSize = 5;
/** The largest payload of one data frame. */
export const maxFramePayload = 64 * 1024;

export class Wire {
  /** `lines` until the owner of the wire switches to `frames`. */
  mode: 'lines' | 'frames' = 'lines';
  onLine: (message: Record<string, unknown>) => void = () => {};
  /** Frames wait (unparsed) until a handler is set with {@link receiveFrames}. */
  private onFrame: ((type: number, payload: Buffer) => void) | undefined;
  private pending: Buffer = Buffer.alloc(0);

  constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
      this.drain();
    });
  }

  private drain(): void {
    while (this.pending.length > 0 && !this.socket.destroyed) {
      if (this.mode === 'lines') {
        const newline = this.pending.indexOf(0x0a);
        if (newline < 0) return;
        const line = this.pending.subarray(0, newline).toString('utf8');
        this.pending = this.pending.subarray(newline + 1);
        let message: Record<string, unknown>;
        try {
          message = JSON.parse(line) as Record<string, unknown>;
        } catch {
          this.socket.destroy(new Error(`not a testkit hypervisor message: ${line.slice(0, 80)}`));
          return;
        }
        this.onLine(message);
      } else {
        if (!this.onFrame || this.pending.length < headerSize) return;
        const length = this.pending.readUInt32BE(1);
        if (this.pending.length < headerSize + length) return;
        const type = this.pending[0] as number;
        const payload = this.pending.subarray(headerSize, headerSize + length);
        this.pending = this.pending.subarray(headerSize + length);
        this.onFrame(type, payload);
      }
    }
  }

  /** Switches to frames (if not yet) and hands them, including any already received, to `handler`. */
  receiveFrames(handler: (type: number, payload: Buffer) => void): void {
    this.mode = 'frames';
    this.onFrame = handler;
    this.drain();
  }

  sendLine(message: Record<string, unknown>): boolean {
    return this.socket.write(`${JSON.stringify(message)}\n`);
  }

  sendFrame(type: number, payload: Buffer = Buffer.alloc(0)): boolean {
    const header = Buffer.allocUnsafe(headerSize);
    header[0] = type;
    header.writeUInt32BE(payload.length, 1);
    if (payload.length === 0) return this.socket.write(header);
    this.socket.cork();
    this.socket.write(header);
    const ok = this.socket.write(payload);
    this.socket.uncork();
    return ok;
  }
}

/** An error as it crosses the wire. */
export interface WireError {
  readonly code: string;
  readonly message: string;
  readonly syscall?: string;
  readonly errno?: number;
}

/** Any thrown value as a {@link WireError} (a value without a string code becomes ERR_VMCI_REMOTE). */
export function toWireError(error: unknown): WireError {
  const e = error as { message?: unknown; syscall?: unknown; errno?: unknown } | null | undefined;
  return {
    code: errorCodeOf(error) ?? 'ERR_VMCI_REMOTE',
    message: typeof e?.message === 'string' ? e.message : String(error),
    ...(typeof e?.syscall === 'string' ? { syscall: e.syscall } : {}),
    ...(typeof e?.errno === 'number' ? { errno: e.errno } : {}),
  };
}
