/**
 * One 9P2000.L connection on the server side: cuts the byte stream into messages, answers each
 * in order, and never throws — a malformed message gets `Rlerror` (EPROTO/EBADMSG for what cannot
 * be decoded, EOPNOTSUPP for unknown types), a size field that breaks the framing closes the
 * connection. The file system work is synchronous, so every earlier request has been answered
 * when `Tflush` arrives.
 */
import fs from 'node:fs';
import { constants as osConstants } from 'node:os';
import { VmciError } from '@vmci/sockets';
import { decodeMessage, encodeMessage, readHeader } from '../protocol/codec.js';
import {
  AT_REMOVEDIR,
  Errno,
  GetattrMask,
  headerSize,
  LockStatus,
  LockType,
  NOFID,
  NOTAG,
  OpenFlags,
  protocolVersion,
  QidType,
  SetattrMask,
} from '../protocol/constants.js';
import { FrameDecoder } from '../protocol/framing.js';
import {
  type Body,
  type Message,
  messageNameById,
  type Qid,
  type ReplyName,
  type RequestName,
} from '../protocol/messages.js';
import { type DirEntry, type Fid, FidTable } from './fids.js';
import { checkName, duplicate, FsError, openBeneath, procPath, type ShareRoot } from './root.js';

/** How a session behaves; see `ShareServerOptions` for the meaning of each. */
export interface SessionOptions {
  readonly root: ShareRoot;
  readonly readOnly: boolean;
  /** Serve file systems mounted beneath the root (otherwise a walk onto one is EXDEV). */
  readonly crossMounts: boolean;
  /** CIDs allowed to attach (undefined: everyone). */
  readonly allowFrom: ReadonlySet<number> | undefined;
  /** The peer's CID (for the allowlist). */
  readonly peerCid: number | undefined;
  readonly maxMessageSize: number;
  readonly maxFids: number;
}

/** The smallest msize this server agrees to (below it a getattr reply barely fits). */
export const minMessageSize = 4096;

const O_PATH = 0o10000000;
const O_CLOEXEC = 0o2000000;
/** Flags a client may pass to open(2) through Tlopen/Tlcreate; the rest are dropped. */
const passedOpenFlags =
  OpenFlags.ACCMODE | OpenFlags.TRUNC | OpenFlags.APPEND | OpenFlags.DSYNC | OpenFlags.SYNC;
/**
 * Mode bits a client may set: permissions and the sticky bit, never set-user-ID / set-group-ID (a
 * guest must not plant a set-ID program on the host, whoever the server runs as).
 */
const permissionBits = 0o1777;
const writeFlags = OpenFlags.WRONLY | OpenFlags.RDWR | OpenFlags.TRUNC | OpenFlags.APPEND;

/** What feeding bytes to a session produced. */
export interface SessionOutput {
  readonly replies: Buffer[];
  /** The stream's framing is lost (or the peer broke the protocol): close the connection. */
  readonly close: boolean;
  readonly reason?: string;
}

type Handler = (message: never) => Buffer;

/**
 * One client connection's 9P2000.L state (its fids, msize, attach) over a share's root: bytes in,
 * replies out. It never throws on what the client sends: a bad request gets Rlerror, lost framing
 * closes the connection.
 */
export class ShareSession {
  private readonly frames: FrameDecoder;
  private readonly fids: FidTable;
  private msize = 0;
  private closed = false;

  constructor(private readonly options: SessionOptions) {
    this.frames = new FrameDecoder(options.maxMessageSize);
    this.fids = new FidTable(options.maxFids);
  }

  /** The negotiated msize (0 before Tversion). */
  get messageSize(): number {
    return this.msize;
  }

  /** Open fids (for tests and diagnostics). */
  get fidCount(): number {
    return this.fids.size;
  }

  /** Feeds received bytes; returns the replies to send, in order. Never throws. */
  receive(chunk: Buffer): SessionOutput {
    if (this.closed) return { replies: [], close: true, reason: 'session closed' };
    let frames: Buffer[];
    try {
      frames = this.frames.push(chunk);
    } catch (error) {
      this.dispose();
      return { replies: [], close: true, reason: (error as Error).message };
    }
    return { replies: frames.map((frame) => this.answer(frame)), close: false };
  }

  /** Releases every fid's descriptors (the connection is gone). */
  dispose(): void {
    this.closed = true;
    this.fids.clear();
  }

  /** The reply to one whole frame. */
  answer(frame: Buffer): Buffer {
    const { tag, typeId } = readHeader(frame);
    let message: Message;
    try {
      message = decodeMessage(frame);
    } catch {
      const known = messageNameById.get(typeId);
      return this.error(tag, known?.startsWith('T') ? Errno.EPROTO : Errno.EOPNOTSUPP);
    }
    if (!message.type.startsWith('T')) return this.error(tag, Errno.EOPNOTSUPP);
    if (message.type !== 'Tversion' && this.msize === 0) return this.error(tag, Errno.EPROTO);
    const handler = (this.handlers as Record<string, Handler | undefined>)[message.type];
    if (!handler) return this.error(tag, Errno.EOPNOTSUPP);
    try {
      return (handler as (m: Message) => Buffer).call(this, message);
    } catch (error) {
      return this.error(tag, errnoOf(error));
    }
  }

  private reply<N extends ReplyName>(name: N, tag: number, body: Body<N>): Buffer {
    return encodeMessage(name, tag, body, this.msize || this.options.maxMessageSize);
  }

  private error(tag: number, ecode: number): Buffer {
    return encodeMessage('Rlerror', tag, { ecode });
  }

  private fid(fid: number): Fid {
    const entry = this.fids.get(fid);
    if (!entry) throw new FsError('EBADF', `unknown fid ${fid}`);
    return entry;
  }

  private newFid(fid: number): void {
    if (fid === NOFID) throw new FsError('EBADF', 'NOFID cannot name a file');
    if (this.fids.has(fid)) throw new FsError('EBADF', `fid ${fid} is in use`);
    if (this.fids.size >= this.fids.limit) throw new FsError('EMFILE', 'too many fids');
  }

  private writable(): void {
    if (this.options.readOnly) throw new FsError('EROFS', 'the share is read-only');
  }

  private readonly handlers: { [N in RequestName]?: (message: Message<N>) => Buffer } = {
    Tversion: (m) => {
      this.fids.clear();
      const msize = Math.min(m.msize, this.options.maxMessageSize);
      const ours = m.version === protocolVersion || m.version.startsWith(`${protocolVersion}.`);
      if (!ours || msize < minMessageSize || m.tag !== NOTAG) {
        this.msize = 0;
        return encodeMessage('Rversion', m.tag, { msize, version: 'unknown' });
      }
      this.msize = msize;
      this.frames.setLimit(msize);
      return this.reply('Rversion', m.tag, { msize, version: protocolVersion });
    },

    Tattach: (m) => {
      const { allowFrom, peerCid } = this.options;
      if (allowFrom && (peerCid === undefined || !allowFrom.has(peerCid)))
        throw new FsError('EACCES', `CID ${peerCid} may not attach`);
      if (m.afid !== NOFID) throw new FsError('EINVAL', 'no authentication is offered');
      this.newFid(m.fid);
      const pathFd = this.options.root.resolve([]);
      const qid = qidOf(fstat(pathFd));
      this.fids.set(m.fid, { path: [], pathFd, qid });
      return this.reply('Rattach', m.tag, { qid });
    },

    Tauth: () => {
      throw new FsError('EOPNOTSUPP', 'no authentication: attach with afid NOFID');
    },

    Tflush: (m) => this.reply('Rflush', m.tag, {}),

    Twalk: (m) => {
      const from = this.fid(m.fid);
      if (m.names.length > 16) throw new FsError('EINVAL', 'more than 16 names in one walk');
      if (m.newfid !== m.fid) this.newFid(m.newfid);
      if (from.openFd !== undefined && m.names.length > 0) throw new FsError('EBADF');
      const qids: Qid[] = [];
      let path = [...from.path];
      // Walked from the fid's own descriptor; the ones opened on the way are ours to close.
      let fd = from.pathFd;
      let owned = false;
      let qid = from.qid;
      for (const name of m.names) {
        let next: number;
        let nextPath: string[];
        try {
          if (name === '..') {
            // Lexically, from the root: `..` of the root is the root, and never reaches the kernel.
            nextPath = path.slice(0, -1);
            next = this.options.root.resolve(nextPath);
          } else {
            if ((qid.type & QidType.DIR) === 0) throw new FsError('ENOTDIR');
            next = openBeneath(fd, name);
            nextPath = [...path, name];
          }
        } catch (error) {
          if (owned) fs.closeSync(fd);
          if (qids.length === 0) throw error;
          return this.reply('Rwalk', m.tag, { qids });
        }
        const st = fstat(next);
        if (!this.options.crossMounts && st.dev !== this.options.root.device) {
          // A mount point beneath the root (another file system): not served, like an NFS
          // export without crossmnt — a share stays on the file system it was given.
          fs.closeSync(next);
          if (owned) fs.closeSync(fd);
          if (qids.length === 0)
            throw new FsError('EXDEV', `${name} is a mount point (another file system)`);
          return this.reply('Rwalk', m.tag, { qids });
        }
        if (owned) fs.closeSync(fd);
        fd = next;
        owned = true;
        path = nextPath;
        qid = qidOf(st);
        qids.push(qid);
      }
      // A walk of no names clones the fid: the new one gets its own descriptor.
      const entry: Fid = { path, pathFd: owned ? fd : duplicate(fd), qid };
      if (m.newfid === m.fid) this.fids.set(m.fid, entry);
      else this.fids.set(m.newfid, entry);
      return this.reply('Rwalk', m.tag, { qids });
    },

    Tgetattr: (m) => {
      const entry = this.fid(m.fid);
      const st = fstat(entry.pathFd);
      const qid = qidOf(st);
      entry.qid = qid;
      return this.reply('Rgetattr', m.tag, {
        valid: GetattrMask.BASIC | GetattrMask.BTIME,
        qid,
        mode: Number(st.mode),
        uid: Number(st.uid),
        gid: Number(st.gid),
        nlink: st.nlink,
        rdev: st.rdev,
        size: st.size,
        blksize: st.blksize,
        blocks: st.blocks,
        atimeSec: st.atimeNs / 1_000_000_000n,
        atimeNsec: st.atimeNs % 1_000_000_000n,
        mtimeSec: st.mtimeNs / 1_000_000_000n,
        mtimeNsec: st.mtimeNs % 1_000_000_000n,
        ctimeSec: st.ctimeNs / 1_000_000_000n,
        ctimeNsec: st.ctimeNs % 1_000_000_000n,
        btimeSec: st.birthtimeNs / 1_000_000_000n,
        btimeNsec: st.birthtimeNs % 1_000_000_000n,
        gen: 0n,
        dataVersion: 0n,
      });
    },

    Tsetattr: (m) => {
      this.writable();
      const entry = this.fid(m.fid);
      const link = (entry.qid.type & QidType.SYMLINK) !== 0;
      const target = procPath(entry.pathFd);
      if (m.valid & SetattrMask.MODE) {
        if (link) throw new FsError('EOPNOTSUPP', 'a symlink has no mode of its own');
        fs.chmodSync(target, m.mode & permissionBits);
      }
      if (m.valid & (SetattrMask.UID | SetattrMask.GID)) {
        const st = fstat(entry.pathFd);
        const uid = m.valid & SetattrMask.UID ? m.uid : Number(st.uid);
        const gid = m.valid & SetattrMask.GID ? m.gid : Number(st.gid);
        if (link)
          this.atParent(entry, (parent, name) => fs.lchownSync(procPath(parent, name), uid, gid));
        else fs.chownSync(target, uid, gid);
      }
      if (m.valid & SetattrMask.SIZE) {
        if ((entry.qid.type & QidType.DIR) !== 0) throw new FsError('EISDIR');
        if (link) throw new FsError('EINVAL');
        if (m.size > BigInt(Number.MAX_SAFE_INTEGER)) throw new FsError('EFBIG');
        fs.truncateSync(target, Number(m.size));
      }
      if (m.valid & (SetattrMask.ATIME | SetattrMask.MTIME)) {
        const st = fstat(entry.pathFd);
        const now = Date.now() / 1000;
        const time = (set: number, given: number, sec: bigint, nsec: bigint, current: bigint) =>
          m.valid & given
            ? m.valid & set
              ? Number(sec) + Number(nsec % 1_000_000_000n) / 1e9
              : now
            : Number(current) / 1e9;
        const atime = time(
          SetattrMask.ATIME_SET,
          SetattrMask.ATIME,
          m.atimeSec,
          m.atimeNsec,
          st.atimeNs,
        );
        const mtime = time(
          SetattrMask.MTIME_SET,
          SetattrMask.MTIME,
          m.mtimeSec,
          m.mtimeNsec,
          st.mtimeNs,
        );
        if (link)
          this.atParent(entry, (parent, name) =>
            fs.lutimesSync(procPath(parent, name), atime, mtime),
          );
        else fs.utimesSync(target, atime, mtime);
      }
      return this.reply('Rsetattr', m.tag, {});
    },

    Tlopen: (m) => {
      const entry = this.fid(m.fid);
      if (entry.openFd !== undefined) throw new FsError('EBADF', 'fid already open');
      const wants = m.flags & passedOpenFlags;
      if (wants & writeFlags) this.writable();
      const st = fstat(entry.pathFd);
      // Never a link, a FIFO (an open would block the server) or a device: files and directories.
      if (st.isDirectory()) {
        if ((m.flags & OpenFlags.ACCMODE) !== OpenFlags.RDONLY) throw new FsError('EISDIR');
        entry.openFd = fs.openSync(procPath(entry.pathFd), O_CLOEXEC | fs.constants.O_DIRECTORY);
      } else if (st.isFile()) {
        // The descriptor's magic link names the regular file it holds (checked above):
        // O_NOFOLLOW here would refuse the magic link itself.
        entry.openFd = fs.openSync(procPath(entry.pathFd), wants | O_CLOEXEC);
      } else if (st.isSymbolicLink()) throw new FsError('ELOOP');
      else throw new FsError('EOPNOTSUPP', 'only regular files and directories can be opened');
      entry.writable = (wants & (OpenFlags.WRONLY | OpenFlags.RDWR)) !== 0;
      entry.listing = undefined;
      return this.reply('Rlopen', m.tag, { qid: entry.qid, iounit: this.iounit() });
    },

    Tlcreate: (m) => {
      this.writable();
      const dir = this.fid(m.fid);
      checkName(m.name);
      if (dir.openFd !== undefined) throw new FsError('EBADF', 'fid already open');
      const flags = (m.flags & passedOpenFlags) | (m.flags & OpenFlags.EXCL) | fs.constants.O_CREAT;
      const openFd = fs.openSync(
        procPath(dir.pathFd, m.name),
        flags | O_CLOEXEC | fs.constants.O_NOFOLLOW,
        m.mode & permissionBits,
      );
      let pathFd: number;
      try {
        pathFd = fs.openSync(procPath(openFd), O_PATH | O_CLOEXEC);
        if (!fstat(pathFd).isFile()) throw new FsError('EOPNOTSUPP');
      } catch (error) {
        fs.closeSync(openFd);
        throw error;
      }
      const qid = qidOf(fstat(pathFd));
      fs.closeSync(dir.pathFd);
      Object.assign(dir, {
        path: [...dir.path, m.name],
        pathFd,
        qid,
        openFd,
        writable: (flags & (OpenFlags.WRONLY | OpenFlags.RDWR)) !== 0,
        listing: undefined,
      });
      return this.reply('Rlcreate', m.tag, { qid, iounit: this.iounit() });
    },

    Tread: (m) => {
      const entry = this.fid(m.fid);
      if (entry.openFd === undefined || (entry.qid.type & QidType.DIR) !== 0)
        throw new FsError('EBADF', 'read needs a fid opened on a file');
      const count = Math.min(m.count, this.iounit());
      const data = Buffer.allocUnsafe(count);
      const n = fs.readSync(entry.openFd, data, 0, count, position(m.offset));
      return this.reply('Rread', m.tag, { data: data.subarray(0, n) });
    },

    Twrite: (m) => {
      this.writable();
      const entry = this.fid(m.fid);
      if (entry.openFd === undefined || !entry.writable)
        throw new FsError('EBADF', 'write needs a fid opened for writing');
      const n = fs.writeSync(entry.openFd, m.data, 0, m.data.length, position(m.offset));
      return this.reply('Rwrite', m.tag, { count: n });
    },

    Treaddir: (m) => {
      const entry = this.fid(m.fid);
      if (entry.openFd === undefined || (entry.qid.type & QidType.DIR) === 0)
        throw new FsError('EBADF', 'readdir needs a fid opened on a directory');
      if (m.offset === 0n || !entry.listing) entry.listing = this.list(entry);
      const limit = Math.min(m.count, this.iounit());
      const parts: Buffer[] = [];
      let used = 0;
      for (let index = Number(m.offset); index < entry.listing.length; index++) {
        const item = entry.listing[index] as DirEntry;
        const name = Buffer.from(item.name);
        const size = 13 + 8 + 1 + 2 + name.length;
        if (used + size > limit) break;
        const part = Buffer.allocUnsafe(size);
        writeQid(part, 0, item.qid);
        part.writeBigUInt64LE(BigInt(index + 1), 13);
        part.writeUInt8(item.type, 21);
        part.writeUInt16LE(name.length, 22);
        name.copy(part, 24);
        parts.push(part);
        used += size;
      }
      return this.reply('Rreaddir', m.tag, { data: Buffer.concat(parts, used) });
    },

    Tmkdir: (m) => {
      this.writable();
      const dir = this.fid(m.dfid);
      checkName(m.name);
      fs.mkdirSync(procPath(dir.pathFd, m.name), { mode: m.mode & permissionBits });
      return this.reply('Rmkdir', m.tag, { qid: qidOf(lstatAt(dir.pathFd, m.name)) });
    },

    Tsymlink: (m) => {
      this.writable();
      const dir = this.fid(m.fid);
      checkName(m.name);
      if (m.target === '' || m.target.includes('\0')) throw new FsError('EINVAL');
      // The target is stored as text; the server never follows it.
      fs.symlinkSync(m.target, procPath(dir.pathFd, m.name));
      return this.reply('Rsymlink', m.tag, { qid: qidOf(lstatAt(dir.pathFd, m.name)) });
    },

    Tmknod: () => {
      throw new FsError(
        'EOPNOTSUPP',
        'device files, FIFOs and sockets cannot be created on a share',
      );
    },

    Treadlink: (m) => {
      const entry = this.fid(m.fid);
      if ((entry.qid.type & QidType.SYMLINK) === 0) throw new FsError('EINVAL', 'not a symlink');
      const target = this.atParent(entry, (parent, name) =>
        fs.readlinkSync(procPath(parent, name), 'utf8'),
      );
      return this.reply('Rreadlink', m.tag, { target });
    },

    Tlink: (m) => {
      this.writable();
      const dir = this.fid(m.dfid);
      const entry = this.fid(m.fid);
      checkName(m.name);
      this.atParent(entry, (parent, name) =>
        fs.linkSync(procPath(parent, name), procPath(dir.pathFd, m.name)),
      );
      return this.reply('Rlink', m.tag, {});
    },

    Trenameat: (m) => {
      this.writable();
      const from = this.fid(m.olddirfid);
      const to = this.fid(m.newdirfid);
      checkName(m.oldname);
      checkName(m.newname);
      fs.renameSync(procPath(from.pathFd, m.oldname), procPath(to.pathFd, m.newname));
      this.fids.renamed([...from.path, m.oldname], [...to.path, m.newname]);
      return this.reply('Rrenameat', m.tag, {});
    },

    Trename: (m) => {
      this.writable();
      const entry = this.fid(m.fid);
      const to = this.fid(m.dfid);
      checkName(m.name);
      if (entry.path.length === 0) throw new FsError('EBUSY', 'the root cannot be renamed');
      const oldPath = entry.path;
      this.atParent(entry, (parent, name) =>
        fs.renameSync(procPath(parent, name), procPath(to.pathFd, m.name)),
      );
      this.fids.renamed(oldPath, [...to.path, m.name]);
      return this.reply('Rrename', m.tag, {});
    },

    Tunlinkat: (m) => {
      this.writable();
      const dir = this.fid(m.dfid);
      checkName(m.name);
      if (m.flags & ~AT_REMOVEDIR) throw new FsError('EINVAL', 'unknown unlinkat flags');
      if (m.flags & AT_REMOVEDIR) fs.rmdirSync(procPath(dir.pathFd, m.name));
      else fs.unlinkSync(procPath(dir.pathFd, m.name));
      return this.reply('Runlinkat', m.tag, {});
    },

    Tremove: (m) => {
      const entry = this.fid(m.fid);
      try {
        this.writable();
        if (entry.path.length === 0) throw new FsError('EBUSY', 'the root cannot be removed');
        const dir = (entry.qid.type & QidType.DIR) !== 0;
        this.atParent(entry, (parent, name) =>
          dir ? fs.rmdirSync(procPath(parent, name)) : fs.unlinkSync(procPath(parent, name)),
        );
      } finally {
        // Tremove clunks the fid whether or not the remove succeeded.
        this.fids.delete(m.fid);
      }
      return this.reply('Rremove', m.tag, {});
    },

    Tfsync: (m) => {
      const entry = this.fid(m.fid);
      if (entry.openFd !== undefined) {
        if (m.datasync) fs.fdatasyncSync(entry.openFd);
        else fs.fsyncSync(entry.openFd);
      }
      return this.reply('Rfsync', m.tag, {});
    },

    Tstatfs: (m) => {
      const entry = this.fid(m.fid);
      const st = fs.statfsSync(procPath(entry.pathFd), { bigint: true });
      return this.reply('Rstatfs', m.tag, {
        fsType: Number(BigInt.asUintN(32, st.type)),
        bsize: Number(st.bsize),
        blocks: st.blocks,
        bfree: st.bfree,
        bavail: st.bavail,
        files: st.files,
        ffree: st.ffree,
        fsid: 0n,
        namelen: 255,
      });
    },

    // Locks are granted (advisory, not enforced between clients): flock/fcntl users keep working.
    Tlock: (m) => {
      this.fid(m.fid);
      if (m.lockType > LockType.UNLCK) throw new FsError('EINVAL', 'unknown lock type');
      return this.reply('Rlock', m.tag, { status: LockStatus.SUCCESS });
    },

    Tgetlock: (m) => {
      this.fid(m.fid);
      return this.reply('Rgetlock', m.tag, {
        lockType: LockType.UNLCK,
        start: m.start,
        length: m.length,
        procId: m.procId,
        clientId: m.clientId,
      });
    },

    Txattrwalk: () => {
      throw new FsError('EOPNOTSUPP', 'extended attributes are not shared');
    },

    Txattrcreate: () => {
      throw new FsError('EOPNOTSUPP', 'extended attributes are not shared');
    },

    Tclunk: (m) => {
      if (!this.fids.delete(m.fid)) throw new FsError('EBADF', `unknown fid ${m.fid}`);
      return this.reply('Rclunk', m.tag, {});
    },
  };

  /** The largest data a read/write/readdir carries: msize less the reply's header. */
  private iounit(): number {
    return this.msize - headerSize - 4;
  }

  /** Runs `action` on the fid's parent directory (resolved from the root) and its name. */
  private atParent<T>(entry: Fid, action: (parentFd: number, name: string) => T): T {
    const name = entry.path.at(-1);
    if (name === undefined) throw new FsError('EINVAL', 'the root has no parent');
    const parent = this.options.root.resolve(entry.path.slice(0, -1));
    try {
      // The name must still be the fid's file: a rename behind our back would act on another.
      const st = lstatAt(parent, name);
      if (st.ino !== entry.qid.path) throw new FsError('ESTALE', 'the file moved');
      return action(parent, name);
    } finally {
      fs.closeSync(parent);
    }
  }

  private list(entry: Fid): DirEntry[] {
    const fd = entry.openFd as number;
    const self = entry.qid;
    const items: DirEntry[] = [
      { name: '.', qid: self, type: 4 },
      { name: '..', qid: self, type: 4 },
    ];
    for (const name of fs.readdirSync(procPath(fd))) {
      let st: fs.BigIntStats;
      try {
        st = lstatAt(fd, name);
      } catch {
        continue; // removed since the listing: skip it
      }
      items.push({ name, qid: qidOf(st), type: direntType(st) });
    }
    return items;
  }
}

/** A file offset as fs takes it (offsets past 2^53 are beyond any file this server serves). */
function position(offset: bigint): number {
  if (offset > BigInt(Number.MAX_SAFE_INTEGER)) throw new FsError('EFBIG', 'offset too large');
  return Number(offset);
}

function fstat(fd: number): fs.BigIntStats {
  return fs.fstatSync(fd, { bigint: true });
}

function lstatAt(dirFd: number, name: string): fs.BigIntStats {
  return fs.lstatSync(procPath(dirFd, name), { bigint: true });
}

export function qidOf(st: fs.BigIntStats): Qid {
  const type = st.isDirectory()
    ? QidType.DIR
    : st.isSymbolicLink()
      ? QidType.SYMLINK
      : QidType.FILE;
  return { type, version: 0, path: st.ino };
}

function writeQid(buffer: Buffer, at: number, qid: Qid): void {
  buffer.writeUInt8(qid.type, at);
  buffer.writeUInt32LE(qid.version, at + 1);
  buffer.writeBigUInt64LE(qid.path, at + 5);
}

function direntType(st: fs.BigIntStats): number {
  if (st.isDirectory()) return 4;
  if (st.isFile()) return 8;
  if (st.isSymbolicLink()) return 10;
  if (st.isFIFO()) return 1;
  if (st.isCharacterDevice()) return 2;
  if (st.isBlockDevice()) return 6;
  if (st.isSocket()) return 12;
  return 0;
}

/** The Linux errno for an error from a handler (EIO for anything that is not a system error). */
function errnoOf(error: unknown): number {
  if (error instanceof FsError) return errnoValue(error.errnoName);
  if (VmciError.isInstance(error) && error.code === 'ERR_VMCI_SHARE_MESSAGE_TOO_LARGE')
    return Errno.ERANGE;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string') return errnoValue(code);
  return Errno.EIO;
}

function errnoValue(name: string): number {
  const value = (osConstants.errno as Record<string, number | undefined>)[name];
  return value ?? Errno.EIO;
}
