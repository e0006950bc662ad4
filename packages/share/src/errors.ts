/**
 * The share's errors: the same `VmciError` class as every vmci package, with registered codes —
 * `ERR_VMCI_SHARE_*` for protocol problems, errno names (`ENOENT`) for what a server answered.
 */
import { VmciError } from '@vmci/sockets';
import { errnoNameOf } from './protocol/constants.js';

/** A malformed 9P message (bad size, truncated field, invalid UTF-8, unknown type). */
export function protocolError(message: string): VmciError {
  return new VmciError('ERR_VMCI_SHARE_PROTOCOL', `9P protocol error: ${message}`);
}

/** A message larger than the negotiated msize (or than the encoder's limit). */
export function messageTooLargeError(size: number, limit: number): VmciError {
  return new VmciError(
    'ERR_VMCI_SHARE_MESSAGE_TOO_LARGE',
    `9P message of ${size} bytes exceeds the negotiated msize of ${limit} bytes: send smaller reads/writes (the limit is what Tversion agreed)`,
  );
}

/** The server's Rlerror as a client error: the errno name as `code`. */
export function remoteError(request: string, ecode: number): VmciError {
  const name = errnoNameOf(ecode);
  return new VmciError(
    name as never,
    `${request} failed on the 9P server: ${name} (errno ${ecode})`,
    { errno: ecode, syscall: request },
  );
}
