/**
 * The CLI's errors in the one hierarchy: TransferError and UsageError are VmciErrors with their
 * own brands, and `vmci` exits with the code the error carries.
 */
import { VmciError } from '@vmci/sockets';
import { TransferError } from '@vmci/transfer';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../src/io.js';

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
});
