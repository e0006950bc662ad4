/**
 * ProxyError belongs to the one error hierarchy of the vmci packages: a VmciError with a brand,
 * exit code 2 for bad options and 1 for a failed leg.
 */
import { VmciError } from '@vmci/sockets';
import { describe, expect, it } from 'vitest';
import { invalidArgument, ProxyError } from '../src/errors.js';

describe('ProxyError', () => {
  it('is a VmciError, recognised by its brand and not by a sibling class', () => {
    const error = new ProxyError('ECONNREFUSED', 'upstream vsock:3:80 refused the connection');
    expect(error).toBeInstanceOf(VmciError);
    expect(ProxyError.isInstance(error)).toBe(true);
    expect(ProxyError.isInstance(new VmciError('ECONNREFUSED', 'not a proxy error'))).toBe(false);
    expect(error.name).toBe('ProxyError');
  });

  it('exits 2 for bad options and 1 for a failed leg', () => {
    expect(invalidArgument('--to is missing').exitCode).toBe(2);
    expect(new ProxyError('ETIMEDOUT', 'upstream did not answer').exitCode).toBe(1);
  });

  it('keeps the cause it wraps', () => {
    const cause = new Error('refused');
    expect(new ProxyError('ECONNREFUSED', 'upstream refused', { cause }).cause).toBe(cause);
  });
});
