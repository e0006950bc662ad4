/**
 * Every `code` a vmci error carries, registered in one place (as Node's `lib/internal/errors.js`
 * registers its own): one union per package, and the exit code each kind of code means for the
 * `vmci` command line.
 */
import type { constants } from 'node:os';

/** Kernel errors: the errno name (`ECONNRESET`), or `ERRNO_<n>` for a number Node has no name for. */
export type ErrnoCode = keyof typeof constants.errno | `ERRNO_${number}`;

/** Bad arguments: Node's own codes for plain values, ours for vsock addresses and the rest. */
export type ArgumentErrorCode =
  | 'ERR_INVALID_ARG_TYPE'
  | 'ERR_INVALID_ARG_VALUE'
  | 'ERR_OUT_OF_RANGE'
  | 'ERR_VMCI_INVALID_ARGUMENT'
  | 'ERR_VMCI_INVALID_ADDRESS'
  | 'ERR_VMCI_INVALID_TRANSPORT'
  | 'ERR_VMCI_USAGE';

/** Codes `@vmci/ffi` throws. */
export type FfiErrorCode =
  | ErrnoCode
  | ArgumentErrorCode
  | 'ERR_VMCI_UNSUPPORTED_PLATFORM'
  | 'ERR_VMCI_SOCKET_CLOSED'
  | 'ERR_VMCI_POLL_BUSY'
  | 'ERR_VMCI_NOT_AVAILABLE'
  | 'ERR_VMCI_INVALID_DESCRIPTOR';

/** Codes `@vmci/sockets` throws (its own and those of `@vmci/ffi`). */
export type SocketsErrorCode =
  | FfiErrorCode
  | 'ERR_VMCI_MESSAGE_TOO_LARGE'
  | 'ERR_VMCI_MESSAGE_TRUNCATED'
  | 'ERR_VMCI_UNSUPPORTED'
  | 'ERR_VMCI_PROTOCOL'
  | 'ERR_VMCI_NOT_CONNECTED'
  | 'ERR_SERVER_ALREADY_LISTEN'
  | 'ERR_SERVER_NOT_RUNNING'
  | 'ERR_VMCI_TRANSPORT_REQUIRED'
  | 'ERR_VMCI_TRANSPORT_UNAVAILABLE'
  | 'ERR_VMCI_TRANSPORT_UNREACHABLE';

/** Codes of file transfers (`TransferError` in `@vmci/transfer`, what `vmci send` / `recv` run). */
export type TransferErrorCode =
  | ErrnoCode
  | 'ERR_VMCI_INVALID_ARGUMENT'
  | 'ERR_VMCI_TRANSFER_FAILED'
  | 'ERR_VMCI_TRANSFER_BAD_MAGIC'
  | 'ERR_VMCI_TRANSFER_UNSUPPORTED_VERSION'
  | 'ERR_VMCI_TRANSFER_HEADER_TOO_LARGE'
  | 'ERR_VMCI_TRANSFER_BAD_HEADER'
  | 'ERR_VMCI_TRANSFER_BAD_FRAME'
  | 'ERR_VMCI_TRANSFER_NAME_INVALID'
  | 'ERR_VMCI_TRANSFER_TRUNCATED'
  | 'ERR_VMCI_TRANSFER_HASH_MISMATCH'
  | 'ERR_VMCI_TRANSFER_TOO_LARGE'
  | 'ERR_VMCI_TRANSFER_SOURCE_CHANGED'
  | 'ERR_VMCI_TRANSFER_INTERRUPTED'
  | 'ERR_VMCI_TRANSFER_IDLE'
  | 'ERR_VMCI_TRANSFER_NOT_CONFIRMED';

/** Codes `@vmci/share` throws (9P shared folders), besides errno names a server answered. */
export type ShareErrorCode =
  | SocketsErrorCode
  | 'ERR_VMCI_SHARE_PROTOCOL'
  | 'ERR_VMCI_SHARE_MESSAGE_TOO_LARGE'
  | 'ERR_VMCI_SHARE_UNSUPPORTED_VERSION'
  | 'ERR_VMCI_SHARE_ROOT';

/**
 * Codes `@vmci/proxy` throws (`ProxyError`): a failed leg's code (errno names and the sockets
 * codes), bad options, a cancelled connect, or `ERR_UNKNOWN` for a failure that carried no code.
 */
export type ProxyErrorCode =
  | SocketsErrorCode
  | 'ERR_VMCI_INVALID_ARGUMENT'
  | 'ABORT_ERR'
  | 'ERR_UNKNOWN';

/** Codes `@vmci/cli` throws. */
export type CliErrorCode =
  | SocketsErrorCode
  | TransferErrorCode
  | ShareErrorCode
  | ProxyErrorCode
  | 'ERR_VMCI_USAGE'
  | 'ERR_VMCI_BENCH_MISMATCH';

/** Every code a `VmciError` (or a subclass) can carry. */
export type VmciErrorCode = CliErrorCode;

const argumentCodes: ReadonlySet<string> = new Set<ArgumentErrorCode>([
  'ERR_INVALID_ARG_TYPE',
  'ERR_INVALID_ARG_VALUE',
  'ERR_OUT_OF_RANGE',
  'ERR_VMCI_INVALID_ARGUMENT',
  'ERR_VMCI_INVALID_ADDRESS',
  'ERR_VMCI_INVALID_TRANSPORT',
  'ERR_VMCI_USAGE',
]);

/** Exit code of the `vmci` command line: 2 for a bad argument (a usage error), 1 otherwise. */
export function exitCodeFor(code: string): 1 | 2 {
  return argumentCodes.has(code) ? 2 : 1;
}
