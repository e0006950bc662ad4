/**
 * The 9P2000.L messages as field lists: one table read by both the encoder and the decoder, so the
 * two cannot disagree. Field kinds: fixed-size little-endian integers (`u8` … `u64`), `str` (len[2]
 * UTF-8), `qid` (type[1] version[4] path[8]), `strs` / `qids` (count[2] then items) and `data`
 * (count[4] then bytes).
 */

/** A server's unique identity of a file: type (see `QidType`), version and path (the inode). */
export interface Qid {
  readonly type: number;
  readonly version: number;
  readonly path: bigint;
}

export type FieldKind = 'u8' | 'u16' | 'u32' | 'u64' | 'str' | 'qid' | 'strs' | 'qids' | 'data';

type Schema = { readonly id: number; readonly fields: readonly (readonly [string, FieldKind])[] };

const s = <const F extends readonly (readonly [string, FieldKind])[]>(
  id: number,
  ...fields: F
) => ({
  id,
  fields,
});

/** Every message this package encodes or decodes, by name. */
export const messages = {
  Rlerror: s(7, ['ecode', 'u32']),
  Tstatfs: s(8, ['fid', 'u32']),
  Rstatfs: s(
    9,
    ['fsType', 'u32'],
    ['bsize', 'u32'],
    ['blocks', 'u64'],
    ['bfree', 'u64'],
    ['bavail', 'u64'],
    ['files', 'u64'],
    ['ffree', 'u64'],
    ['fsid', 'u64'],
    ['namelen', 'u32'],
  ),
  Tlopen: s(12, ['fid', 'u32'], ['flags', 'u32']),
  Rlopen: s(13, ['qid', 'qid'], ['iounit', 'u32']),
  Tlcreate: s(
    14,
    ['fid', 'u32'],
    ['name', 'str'],
    ['flags', 'u32'],
    ['mode', 'u32'],
    ['gid', 'u32'],
  ),
  Rlcreate: s(15, ['qid', 'qid'], ['iounit', 'u32']),
  Tsymlink: s(16, ['fid', 'u32'], ['name', 'str'], ['target', 'str'], ['gid', 'u32']),
  Rsymlink: s(17, ['qid', 'qid']),
  Tmknod: s(
    18,
    ['dfid', 'u32'],
    ['name', 'str'],
    ['mode', 'u32'],
    ['major', 'u32'],
    ['minor', 'u32'],
    ['gid', 'u32'],
  ),
  Rmknod: s(19, ['qid', 'qid']),
  Trename: s(20, ['fid', 'u32'], ['dfid', 'u32'], ['name', 'str']),
  Rrename: s(21),
  Treadlink: s(22, ['fid', 'u32']),
  Rreadlink: s(23, ['target', 'str']),
  Tgetattr: s(24, ['fid', 'u32'], ['requestMask', 'u64']),
  Rgetattr: s(
    25,
    ['valid', 'u64'],
    ['qid', 'qid'],
    ['mode', 'u32'],
    ['uid', 'u32'],
    ['gid', 'u32'],
    ['nlink', 'u64'],
    ['rdev', 'u64'],
    ['size', 'u64'],
    ['blksize', 'u64'],
    ['blocks', 'u64'],
    ['atimeSec', 'u64'],
    ['atimeNsec', 'u64'],
    ['mtimeSec', 'u64'],
    ['mtimeNsec', 'u64'],
    ['ctimeSec', 'u64'],
    ['ctimeNsec', 'u64'],
    ['btimeSec', 'u64'],
    ['btimeNsec', 'u64'],
    ['gen', 'u64'],
    ['dataVersion', 'u64'],
  ),
  Tsetattr: s(
    26,
    ['fid', 'u32'],
    ['valid', 'u32'],
    ['mode', 'u32'],
    ['uid', 'u32'],
    ['gid', 'u32'],
    ['size', 'u64'],
    ['atimeSec', 'u64'],
    ['atimeNsec', 'u64'],
    ['mtimeSec', 'u64'],
    ['mtimeNsec', 'u64'],
  ),
  Rsetattr: s(27),
  Txattrwalk: s(30, ['fid', 'u32'], ['newfid', 'u32'], ['name', 'str']),
  Rxattrwalk: s(31, ['size', 'u64']),
  Txattrcreate: s(32, ['fid', 'u32'], ['name', 'str'], ['attrSize', 'u64'], ['flags', 'u32']),
  Rxattrcreate: s(33),
  Treaddir: s(40, ['fid', 'u32'], ['offset', 'u64'], ['count', 'u32']),
  Rreaddir: s(41, ['data', 'data']),
  Tfsync: s(50, ['fid', 'u32'], ['datasync', 'u32']),
  Rfsync: s(51),
  Tlock: s(
    52,
    ['fid', 'u32'],
    ['lockType', 'u8'],
    ['flags', 'u32'],
    ['start', 'u64'],
    ['length', 'u64'],
    ['procId', 'u32'],
    ['clientId', 'str'],
  ),
  Rlock: s(53, ['status', 'u8']),
  Tgetlock: s(
    54,
    ['fid', 'u32'],
    ['lockType', 'u8'],
    ['start', 'u64'],
    ['length', 'u64'],
    ['procId', 'u32'],
    ['clientId', 'str'],
  ),
  Rgetlock: s(
    55,
    ['lockType', 'u8'],
    ['start', 'u64'],
    ['length', 'u64'],
    ['procId', 'u32'],
    ['clientId', 'str'],
  ),
  Tlink: s(70, ['dfid', 'u32'], ['fid', 'u32'], ['name', 'str']),
  Rlink: s(71),
  Tmkdir: s(72, ['dfid', 'u32'], ['name', 'str'], ['mode', 'u32'], ['gid', 'u32']),
  Rmkdir: s(73, ['qid', 'qid']),
  Trenameat: s(
    74,
    ['olddirfid', 'u32'],
    ['oldname', 'str'],
    ['newdirfid', 'u32'],
    ['newname', 'str'],
  ),
  Rrenameat: s(75),
  Tunlinkat: s(76, ['dfid', 'u32'], ['name', 'str'], ['flags', 'u32']),
  Runlinkat: s(77),
  Tversion: s(100, ['msize', 'u32'], ['version', 'str']),
  Rversion: s(101, ['msize', 'u32'], ['version', 'str']),
  Tauth: s(102, ['afid', 'u32'], ['uname', 'str'], ['aname', 'str'], ['nUname', 'u32']),
  Tattach: s(
    104,
    ['fid', 'u32'],
    ['afid', 'u32'],
    ['uname', 'str'],
    ['aname', 'str'],
    ['nUname', 'u32'],
  ),
  Rattach: s(105, ['qid', 'qid']),
  Tflush: s(108, ['oldtag', 'u16']),
  Rflush: s(109),
  Twalk: s(110, ['fid', 'u32'], ['newfid', 'u32'], ['names', 'strs']),
  Rwalk: s(111, ['qids', 'qids']),
  Tread: s(116, ['fid', 'u32'], ['offset', 'u64'], ['count', 'u32']),
  Rread: s(117, ['data', 'data']),
  Twrite: s(118, ['fid', 'u32'], ['offset', 'u64'], ['data', 'data']),
  Rwrite: s(119, ['count', 'u32']),
  Tclunk: s(120, ['fid', 'u32']),
  Rclunk: s(121),
  Tremove: s(122, ['fid', 'u32']),
  Rremove: s(123),
} as const satisfies Record<string, Schema>;

/** The name of every 9P2000.L message this codec knows (`Tversion`, `Rversion`, …). */
export type MessageName = keyof typeof messages;

type ValueOf<K extends FieldKind> = K extends 'u8' | 'u16' | 'u32'
  ? number
  : K extends 'u64'
    ? bigint
    : K extends 'str'
      ? string
      : K extends 'qid'
        ? Qid
        : K extends 'strs'
          ? readonly string[]
          : K extends 'qids'
            ? readonly Qid[]
            : Uint8Array;

type FieldsOf<F extends readonly (readonly [string, FieldKind])[]> = {
  readonly [E in F[number] as E[0]]: ValueOf<E[1]>;
};

/** The fields of message `N` (without type and tag). */
export type Body<N extends MessageName> = FieldsOf<(typeof messages)[N]['fields']>;

/** A decoded message: its name, tag and fields. */
export type Message<N extends MessageName = MessageName> = {
  [K in N]: { readonly type: K; readonly tag: number } & Body<K>;
}[N];

/** T-messages (requests) and R-messages (replies). */
export type RequestName = Extract<MessageName, `T${string}`>;
export type ReplyName = Extract<MessageName, `R${string}`>;

/** Message name by its id (undefined for ids this package does not know). */
export const messageNameById: ReadonlyMap<number, MessageName> = new Map(
  (Object.entries(messages) as [MessageName, Schema][]).map(([name, schema]) => [schema.id, name]),
);

/** The reply's name for a request's (`Tread` → `Rread`). */
export function replyNameOf<N extends RequestName>(name: N): ReplyName {
  return `R${name.slice(1)}` as ReplyName;
}
