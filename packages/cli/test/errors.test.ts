/**
 * The CLI's errors in the one hierarchy: TransferError and UsageError are VmciErrors with their
 * own brands, and `vmci` exits with the code the error carries.
 */
import { VmciError } from '@vmci/sockets';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../src/io.js';
import { TransferError, transferCode } from '../src/transfer/errors.js';

describe('CLI errors', () => {
  it('TransferError.isInstance refuses other vmci errors (it used to accept any)', () => {
    expect(TransferError.isInstance(new VmciError('ECONNRESET', 'x'))).toBe(false);
    expect(TransferError.isInstance(new UsageError('x'))).toBe(false);
    expect(TransferError.isInstance(new TransferError('ERR_VMCI_TRANSFER_IDLE', 'x'))).toBe(true);
  });

  it('UsageError is a VmciError with code ERR_VMCI_USAGE and exit code 2', () => {
    const error = new UsageError('vmci listen: give a port');
    expect(VmciError.isInstance(error)).toBe(true);
    expect(UsageError.isInstance(new VmciError('ERR_VMCI_USAGE', 'x'))).toBe(false);
    expect(error).toMatchObject({ code: 'ERR_VMCI_USAGE', exitCode: 2 });
  });

  it('a transfer failure exits 1', () => {
    expect(new TransferError('ERR_VMCI_TRANSFER_HASH_MISMATCH', 'x').exitCode).toBe(1);
  });

  it('transferCode keeps errno names and our codes, and maps anything else to the fallback', () => {
    expect(transferCode('ENOSPC', 'EIO')).toBe('ENOSPC');
    expect(transferCode('ERR_VMCI_TRANSFER_TOO_LARGE', 'EIO')).toBe('ERR_VMCI_TRANSFER_TOO_LARGE');
    expect(transferCode('ERR_FROM_A_NEWER_PEER', 'ERR_VMCI_TRANSFER_FAILED')).toBe(
      'ERR_VMCI_TRANSFER_FAILED',
    );
    expect(transferCode(undefined, 'ECONNRESET')).toBe('ECONNRESET');
  });
});
