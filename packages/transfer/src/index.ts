/**
 * @vmci/transfer — files over vsock, checked end to end: {@link sendFiles} and
 * {@link receiveFiles} (what `vmci send` / `vmci recv` run), and the wire format they speak, for
 * programs that implement one side themselves.
 */

export type { ReplyEvent, TransferEvent } from './decoder.js';
export { ReplyDecoder, TransferDecoder } from './decoder.js';
export { TransferError, transferCode, transferErrorCodes } from './errors.js';
export type { StoredFile } from './file-sink.js';
export {
  createProgressBar,
  formatBytes,
  noProgress,
  oneAtATime,
  type ProgressBarOptions,
  type ProgressFactory,
  type ProgressIo,
  progressFactory,
  type TransferProgress,
  wantsProgress,
} from './progress.js';
export {
  encodeAccepted,
  encodeDataStart,
  encodeEnd,
  encodeFailed,
  encodeFileHeader,
  encodePreamble,
  encodeStored,
  encodeTrailer,
  type FailureReply,
  type FileHeader,
  PROTOCOL_VERSION,
} from './protocol.js';
export {
  type Peer,
  type ReceivedFile,
  type ReceiveFailure,
  type ReceiveFilesOptions,
  type ReceiveSummary,
  receiveFiles,
} from './receive.js';
export {
  type SendFailure,
  type SendFilesOptions,
  type SendSummary,
  type SentFile,
  sendFiles,
} from './send.js';
export { defaultTransferBufferSize, ReplyReader } from './wire.js';
