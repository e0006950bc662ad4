/**
 * The one error type of file transfers: a `code` a script can branch on (`EEXIST`,
 * `ERR_VMCI_TRANSFER_HASH_MISMATCH`, …) and a message that says what happened and what to do.
 */
import { constants as osConstants } from 'node:os';
import { brandErrorClass, errorCodeOf, type TransferErrorCode, VmciError } from '@vmci/sockets';

/** Every `ERR_VMCI_TRANSFER_*` code, with the situation it names. */
export const transferErrorCodes = {
  /** The peer does not speak this protocol (the first bytes are not the magic). */
  badMagic: 'ERR_VMCI_TRANSFER_BAD_MAGIC',
  /** The peer speaks another protocol version. */
  unsupportedVersion: 'ERR_VMCI_TRANSFER_UNSUPPORTED_VERSION',
  /** A file header or a reply is longer than the limit. */
  headerTooLarge: 'ERR_VMCI_TRANSFER_HEADER_TOO_LARGE',
  /** A file header or a reply is not the JSON object it must be. */
  badHeader: 'ERR_VMCI_TRANSFER_BAD_HEADER',
  /** A frame type that is unknown or not allowed where it came. */
  badFrame: 'ERR_VMCI_TRANSFER_BAD_FRAME',
  /** A file name that is not a plain base name. */
  nameInvalid: 'ERR_VMCI_TRANSFER_NAME_INVALID',
  /** The connection ended in the middle of a file or before the end of the batch. */
  truncated: 'ERR_VMCI_TRANSFER_TRUNCATED',
  /** The data's SHA-256 is not the one the sender computed. */
  hashMismatch: 'ERR_VMCI_TRANSFER_HASH_MISMATCH',
  /** The file is larger than the receiver's --max-size. */
  tooLarge: 'ERR_VMCI_TRANSFER_TOO_LARGE',
  /** A file changed size while it was being sent. */
  sourceChanged: 'ERR_VMCI_TRANSFER_SOURCE_CHANGED',
  /** `vmci recv` or `vmci send` was stopped (SIGINT/SIGTERM) while a file was on its way. */
  interrupted: 'ERR_VMCI_TRANSFER_INTERRUPTED',
  /** The sender sent nothing for longer than the receiver's --idle-timeout. */
  idle: 'ERR_VMCI_TRANSFER_IDLE',
  /** The receiver went away before confirming a file. */
  notConfirmed: 'ERR_VMCI_TRANSFER_NOT_CONFIRMED',
  /** Arguments of the programmatic API that cannot work (the CLI turns these into usage errors). */
  invalidArgument: 'ERR_VMCI_INVALID_ARGUMENT',
} as const satisfies Record<string, TransferErrorCode>;

/** A failed transfer step. `code` is one of {@link transferErrorCodes} or an errno name. */
export class TransferError extends VmciError {
  declare readonly code: TransferErrorCode;

  constructor(code: TransferErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(code, message, options);
    this.name = 'TransferError';
  }
}
brandErrorClass(TransferError, 'TransferError');

const knownCodes: ReadonlySet<string> = new Set([
  ...Object.values(transferErrorCodes),
  'ERR_VMCI_TRANSFER_FAILED',
]);

/**
 * `code` as a {@link TransferErrorCode}: an errno name or one of ours; anything else (a Node code
 * of another kind, a code a newer peer sent) becomes `fallback` — the message keeps the details.
 */
export function transferCode(code: unknown, fallback: TransferErrorCode): TransferErrorCode {
  if (typeof code !== 'string') return fallback;
  if (knownCodes.has(code) || Object.hasOwn(osConstants.errno, code))
    return code as TransferErrorCode;
  return fallback;
}

/** `code` and `message` of anything thrown, for replies and log lines. */
export function describeError(error: unknown): { code: string; message: string } {
  return {
    code: errorCodeOf(error) ?? 'ERR_VMCI_TRANSFER_FAILED',
    message: error instanceof Error ? error.message : String(error),
  };
}
