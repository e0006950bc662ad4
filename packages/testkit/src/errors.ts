/**
 * The fake's errors look like the kernel's: the same `VmciError` class, errno names as `code`.
 */
import { constants } from 'node:os';
import { VmciError, type VsockAddress } from '@vmci/sockets';

type ErrnoName = keyof typeof constants.errno;

export function kernelError(
  code: ErrnoName,
  syscall: string,
  message: string,
  address?: VsockAddress,
): VmciError {
  return new VmciError(
    code,
    `${syscall} failed: ${code}${address ? ` (vsock ${address.cid}:${address.port})` : ''}: ${message}`,
    {
      syscall,
      errno: constants.errno[code],
      ...(address ? { address } : {}),
    },
  );
}
