/**
 * The fake's errors look like the kernel's: the same `VmciError` class and message template
 * (`syscallError`), errno names as `code`.
 */
import { constants } from 'node:os';
import { syscallError, type VmciError, type VsockAddress } from '@vmci/sockets';

type ErrnoName = keyof typeof constants.errno;

/** The error the kernel gives for `syscall` failing with `code` (and its errno number). */
export function kernelError(
  code: ErrnoName,
  syscall: string,
  message: string,
  address?: VsockAddress,
): VmciError {
  return syscallError(code, syscall, message, {
    errno: constants.errno[code],
    address,
  });
}
