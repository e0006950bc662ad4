/**
 * TransferError: a VmciError whose code a script can branch on, and the exit code it means.
 */
import { describe, expect, it } from 'vitest';
import { describeError, TransferError, transferCode } from '../src/errors.js';

describe('transfer errors', () => {
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

  it('describeError reads the code of anything thrown, ERR_VMCI_TRANSFER_FAILED without one', () => {
    expect(describeError(Object.assign(new Error('full'), { code: 'ENOSPC' }))).toEqual({
      code: 'ENOSPC',
      message: 'full',
    });
    expect(describeError('a string')).toEqual({
      code: 'ERR_VMCI_TRANSFER_FAILED',
      message: 'a string',
    });
  });
});
