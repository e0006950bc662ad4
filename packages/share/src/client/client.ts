/**
 * A 9P2000.L client over any connected stream: for tests, and for guests without the kernel's 9p
 * client. The low-level calls mirror the protocol (fids are numbers the caller owns); the
 * path-level helpers (`readFile`, `writeFile`, `readdir`, `stat`, …) walk from the attached root
 * and clunk what they used.
 */
import type { Duplex } from 'node:stream';
import { connect, type Transport, VmciError } from '@vmci/sockets';
import { remoteError } from '../errors.js';
import { decodeMessage, encodeMessage } from '../protocol/codec.js';
import {
  AT_REMOVEDIR,
  GetattrMask,
  NOFID,
  NOTAG,
  OpenFlags,
  protocolVersion,
} from '../protocol/constants.js';
import { FrameDecoder } from '../protocol/framing.js';
import type { Body, Message, Qid, ReplyName, RequestName } from '../protocol/messages.js';

/** Attributes `getattr` / `stat` report. */
export type Attributes = Omit<Message<'Rgetattr'>, 'type' | 'tag'>;

/** One `readdir` entry. */
export interface ReaddirEntry {
  readonly qid: Qid;
  readonly offset: bigint;
  readonly type: number;
  readonly name: string;
}

/** Options of {@link connectShare}. */
export interface ConnectShareOptions {
  readonly cid: number | 'host' | 'local' | 'hypervisor';
  readonly port: number;
  readonly transport?: Transport;
  /** The msize to ask for (default 512 KiB); the server may agree to less. */
  readonly messageSize?: number;
}

type ReplyOf<N extends RequestName> = Message<
  Extract<ReplyName, `R${N extends `T${infer R}` ? R : never}`>
>;

/** Root fid of an attached client. */
const rootFid = 0;

/**
 * A 9P2000.L client over one connected vsock stream: for tests, and for guests without the
 * kernel's 9p client. A request that gets Rlerror rejects with the errno name.
 */
export class ShareClient {
  private readonly frames = new FrameDecoder(0xffffffff);
  private readonly pending = new Map<
    number,
    { resolve: (message: Message) => void; reject: (error: Error) => void; request: string }
  >();
  private nextTag = 0;
  private nextFid = 1;
  private msize = 0;
  private failure: Error | undefined;

  constructor(private readonly stream: Duplex) {
    stream.on('data', (chunk: Buffer) => this.receive(chunk));
    stream.on('error', (error) => this.fail(error));
    stream.on('close', () =>
      this.fail(new VmciError('ERR_VMCI_SOCKET_CLOSED', 'the 9P connection closed')),
    );
  }

  /** The msize agreed in {@link version} (0 before). */
  get messageSize(): number {
    return this.msize;
  }

  /** Requests sent and not yet answered. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Negotiates the protocol; throws `ERR_VMCI_SHARE_UNSUPPORTED_VERSION` if the server refuses. */
  async version(messageSize = 512 * 1024): Promise<number> {
    const reply = await this.send(
      'Tversion',
      { msize: messageSize, version: protocolVersion },
      NOTAG,
    );
    if (reply.version !== protocolVersion)
      throw new VmciError(
        'ERR_VMCI_SHARE_UNSUPPORTED_VERSION',
        `the server answered version ${JSON.stringify(reply.version)} to ${protocolVersion} with msize ${messageSize}: it does not speak 9P2000.L or wants another msize`,
      );
    this.msize = reply.msize;
    this.frames.setLimit(reply.msize);
    return reply.msize;
  }

  /** Attaches the root as fid 0. */
  async attach(uname = '', aname = ''): Promise<Qid> {
    const reply = await this.send('Tattach', {
      fid: rootFid,
      afid: NOFID,
      uname,
      aname,
      nUname: NOFID,
    });
    return reply.qid;
  }

  /** Sends one request and resolves with its reply; an Rlerror rejects with the errno name. */
  send<N extends RequestName>(name: N, body: Body<N>, tag?: number): Promise<ReplyOf<N>> {
    if (this.failure) return Promise.reject(this.failure);
    const useTag = tag ?? this.allocateTag();
    const frame = encodeMessage(name, useTag, body, this.msize || 0xffffffff);
    return new Promise((resolve, reject) => {
      this.pending.set(useTag, {
        resolve: resolve as (message: Message) => void,
        reject,
        request: name,
      });
      this.stream.write(frame);
    });
  }

  /** A fid number not in use by this client's helpers. */
  allocateFid(): number {
    return this.nextFid++;
  }

  private allocateTag(): number {
    for (let i = 0; i < 0xffff; i++) {
      const tag = this.nextTag;
      this.nextTag = (this.nextTag + 1) % 0xffff;
      if (!this.pending.has(tag)) return tag;
    }
    throw new VmciError('ERR_VMCI_SHARE_PROTOCOL', '65535 requests in flight: wait for replies');
  }

  private receive(chunk: Buffer): void {
    let frames: Buffer[];
    try {
      frames = this.frames.push(chunk);
    } catch (error) {
      this.fail(error as Error);
      this.stream.destroy();
      return;
    }
    for (const frame of frames) {
      let message: Message;
      try {
        message = decodeMessage(frame);
      } catch (error) {
        this.fail(error as Error);
        this.stream.destroy();
        return;
      }
      const waiter = this.pending.get(message.tag);
      if (!waiter) continue;
      this.pending.delete(message.tag);
      if (message.type === 'Rlerror') waiter.reject(remoteError(waiter.request, message.ecode));
      else waiter.resolve(message);
    }
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiter of this.pending.values()) waiter.reject(this.failure);
    this.pending.clear();
  }

  /** Closes the connection (pending requests reject with `ERR_VMCI_SOCKET_CLOSED`). */
  close(): void {
    this.stream.destroy();
  }

  // ---- path-level helpers (from the attached root) ----

  /** Walks from the root to `path` (`a/b/c`) into a new fid; clunk it when done. */
  async walk(path: string): Promise<number> {
    const names = path.split('/').filter((name) => name !== '');
    const fid = this.allocateFid();
    // One Twalk carries at most 16 names: walk longer paths in steps.
    let from = rootFid;
    for (let i = 0; i === 0 || i < names.length; i += 16) {
      const part = names.slice(i, i + 16);
      const reply = await this.send('Twalk', { fid: from, newfid: fid, names: part });
      if (reply.qids.length !== part.length) {
        if (from === fid) await this.clunk(fid);
        throw remoteError('Twalk', 2);
      }
      from = fid;
    }
    return fid;
  }

  async clunk(fid: number): Promise<void> {
    await this.send('Tclunk', { fid });
  }

  private async withFid<T>(path: string, action: (fid: number) => Promise<T>): Promise<T> {
    const fid = await this.walk(path);
    try {
      return await action(fid);
    } finally {
      await this.clunk(fid).catch(() => {});
    }
  }

  /** `stat` of a path (links not followed). */
  stat(path: string): Promise<Attributes> {
    return this.withFid(path, async (fid) => {
      const {
        type: _t,
        tag: _g,
        ...attributes
      } = await this.send('Tgetattr', {
        fid,
        requestMask: GetattrMask.ALL,
      });
      return attributes;
    });
  }

  /** The whole content of a file. */
  readFile(path: string): Promise<Buffer> {
    return this.withFid(path, async (fid) => {
      await this.send('Tlopen', { fid, flags: OpenFlags.RDONLY });
      const chunks: Buffer[] = [];
      let offset = 0n;
      const count = this.msize - 11;
      for (;;) {
        const { data } = await this.send('Tread', { fid, offset, count });
        if (data.length === 0) break;
        chunks.push(Buffer.from(data));
        offset += BigInt(data.length);
      }
      return Buffer.concat(chunks);
    });
  }

  /** Creates or replaces a file with `data` (mode 0644 by default). */
  async writeFile(path: string, data: Uint8Array, mode = 0o644): Promise<void> {
    const { parent, name } = split(path);
    await this.withFid(parent, async (fid) => {
      await this.send('Tlcreate', {
        fid,
        name,
        flags: OpenFlags.WRONLY | OpenFlags.TRUNC,
        mode,
        gid: 0,
      });
      const chunk = this.msize - 23;
      let offset = 0;
      do {
        const part = data.subarray(offset, offset + chunk);
        const { count } = await this.send('Twrite', { fid, offset: BigInt(offset), data: part });
        if (count === 0 && part.length > 0) throw remoteError('Twrite', 5);
        offset += count;
      } while (offset < data.length);
    });
  }

  /** Names in a directory (without `.` and `..`). */
  readdir(path: string): Promise<ReaddirEntry[]> {
    return this.withFid(path, async (fid) => {
      await this.send('Tlopen', { fid, flags: OpenFlags.RDONLY | OpenFlags.DIRECTORY });
      const entries: ReaddirEntry[] = [];
      let offset = 0n;
      for (;;) {
        const { data } = await this.send('Treaddir', { fid, offset, count: this.msize - 11 });
        if (data.length === 0) break;
        const batch = parseDirents(Buffer.from(data));
        entries.push(...batch);
        offset = (batch.at(-1) as ReaddirEntry).offset;
      }
      return entries.filter((entry) => entry.name !== '.' && entry.name !== '..');
    });
  }

  async mkdir(path: string, mode = 0o755): Promise<Qid> {
    const { parent, name } = split(path);
    return this.withFid(parent, async (dfid) => {
      const { qid } = await this.send('Tmkdir', { dfid, name, mode, gid: 0 });
      return qid;
    });
  }

  async unlink(path: string, directory = false): Promise<void> {
    const { parent, name } = split(path);
    await this.withFid(parent, (dfid) =>
      this.send('Tunlinkat', { dfid, name, flags: directory ? AT_REMOVEDIR : 0 }),
    );
  }

  async rename(from: string, to: string): Promise<void> {
    const a = split(from);
    const b = split(to);
    await this.withFid(a.parent, (olddirfid) =>
      this.withFid(b.parent, (newdirfid) =>
        this.send('Trenameat', { olddirfid, oldname: a.name, newdirfid, newname: b.name }),
      ),
    );
  }

  async symlink(target: string, path: string): Promise<Qid> {
    const { parent, name } = split(path);
    return this.withFid(parent, async (fid) => {
      const { qid } = await this.send('Tsymlink', { fid, name, target, gid: 0 });
      return qid;
    });
  }

  readlink(path: string): Promise<string> {
    return this.withFid(path, async (fid) => (await this.send('Treadlink', { fid })).target);
  }

  async link(existing: string, path: string): Promise<void> {
    const { parent, name } = split(path);
    await this.withFid(existing, (fid) =>
      this.withFid(parent, (dfid) => this.send('Tlink', { dfid, fid, name })),
    );
  }
}

function split(path: string): { parent: string; name: string } {
  const names = path.split('/').filter((name) => name !== '');
  const name = names.pop();
  if (name === undefined)
    throw new VmciError('ERR_VMCI_INVALID_ARGUMENT', `${JSON.stringify(path)} names no file`);
  return { parent: names.join('/'), name };
}

/** Parses an Rreaddir payload: qid[13] offset[8] type[1] name[s] repeated. */
export function parseDirents(data: Buffer): ReaddirEntry[] {
  const entries: ReaddirEntry[] = [];
  let at = 0;
  while (at < data.length) {
    if (at + 24 > data.length) throw new VmciError('ERR_VMCI_SHARE_PROTOCOL', 'truncated dirent');
    const length = data.readUInt16LE(at + 22);
    if (at + 24 + length > data.length)
      throw new VmciError('ERR_VMCI_SHARE_PROTOCOL', 'truncated dirent name');
    entries.push({
      qid: {
        type: data.readUInt8(at),
        version: data.readUInt32LE(at + 1),
        path: data.readBigUInt64LE(at + 5),
      },
      offset: data.readBigUInt64LE(at + 13),
      type: data.readUInt8(at + 21),
      name: data.toString('utf8', at + 24, at + 24 + length),
    });
    at += 24 + length;
  }
  return entries;
}

/**
 * Connects to a share on vsock, negotiates 9P2000.L and attaches the root. Close it with
 * `client.close()`.
 */
export async function connectShare(options: ConnectShareOptions): Promise<ShareClient> {
  const socket = await connect({
    cid: options.cid,
    port: options.port,
    ...(options.transport ? { transport: options.transport } : {}),
  });
  const client = new ShareClient(socket);
  try {
    await client.version(options.messageSize);
    await client.attach();
  } catch (error) {
    client.close();
    throw error;
  }
  return client;
}
