/**
 * @vmci/share — shared folders over vsock: a 9P2000.L server for a directory, which the Linux
 * kernel's 9p client mounts over a connected vsock descriptor (`trans=fd`), and a client API.
 */
export {
  type Attributes,
  type ConnectShareOptions,
  connectShare,
  parseDirents,
  type ReaddirEntry,
  ShareClient,
} from './client/client.js';
export { type MountShareOptions, mountOptions, mountShare } from './mount.js';
export { decodeMessage, encodeMessage } from './protocol/codec.js';
export {
  AT_REMOVEDIR,
  Errno,
  errnoNameOf,
  GetattrMask,
  LockStatus,
  LockType,
  NOFID,
  NOTAG,
  OpenFlags,
  protocolVersion,
  QidType,
  SetattrMask,
} from './protocol/constants.js';
export { FrameDecoder } from './protocol/framing.js';
export type { Body, Message, MessageName, Qid } from './protocol/messages.js';
export { messages } from './protocol/messages.js';
export {
  createShareServer,
  defaultMaxMessageSize,
  ShareServer,
  type ShareServerOptions,
} from './server/server.js';
export { minMessageSize, type SessionOutput, ShareSession } from './server/session.js';
