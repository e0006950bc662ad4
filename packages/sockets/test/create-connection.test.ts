/**
 * `createConnection(options)` without a callback: argument errors throw at the call, as
 * `net.connect()` does (nothing connects here: they are caught before any transport is used).
 */
import { describe, expect, it } from 'vitest';
import { createConnection } from '../src/index.js';

describe('createConnection (returning a socket)', () => {
  it('throws ERR_VMCI_INVALID_ADDRESS for a bad CID at the call', () => {
    expect(() => createConnection({ cid: 'nowhere' as 'host', port: 1 })).toThrow(
      expect.objectContaining({ code: 'ERR_VMCI_INVALID_ADDRESS' }),
    );
  });

  it('throws ERR_VMCI_INVALID_ADDRESS for a bad port at the call', () => {
    expect(() => createConnection({ cid: 'host', port: -1 })).toThrow(
      expect.objectContaining({ code: 'ERR_VMCI_INVALID_ADDRESS' }),
    );
  });

  it('throws ERR_INVALID_ARG_TYPE without an options object', () => {
    expect(() => createConnection(undefined as never)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
    );
  });

  it('throws ERR_INVALID_ARG_TYPE for a connectListener that is not a function', () => {
    expect(() => createConnection({ cid: 'host', port: 1 }, 'go' as never)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
    );
  });
});
