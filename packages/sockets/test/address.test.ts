import {
  VMADDR_CID_ANY,
  VMADDR_CID_HOST,
  VMADDR_CID_HYPERVISOR,
  VMADDR_CID_LOCAL,
  VMADDR_PORT_ANY,
} from '@vmci/ffi';
import { describe, expect, it } from 'vitest';
import {
  CID_ANY,
  formatVsockAddress,
  PORT_ANY,
  parseVsockAddress,
  resolveCid,
  resolvePort,
  wellKnownCids,
} from '../src/index.js';

describe('vsock addresses', () => {
  it.each([
    ['vsock://2:1234', { cid: 2, port: 1234 }],
    ['3:80', { cid: 3, port: 80 }],
    ['host:5000', { cid: 2, port: 5000 }],
    ['vsock://hypervisor:1', { cid: 0, port: 1 }],
    ['local:9', { cid: 1, port: 9 }],
    ['any:7', { cid: CID_ANY, port: 7 }],
    ['0x10:1', { cid: 16, port: 1 }],
    ['vsock:3:80', { cid: 3, port: 80 }],
    ['VSOCK:host:1024', { cid: 2, port: 1024 }],
    [' vsock://3:80/ ', { cid: 3, port: 80 }],
  ])('parses %s', (text, address) => {
    expect(parseVsockAddress(text)).toEqual(address);
  });

  it.each([
    '',
    '2',
    'vsock://2',
    'vsock:80',
    'vsock:/3:80',
    'vsock:3:80:1',
    'tcp://2:1',
    'tcp:2:1',
    'guest:1',
    '2:-1',
    '2:4294967296',
    '4294967296:1',
  ])('rejects %j with ERR_VMCI_INVALID_ADDRESS', (text) => {
    expect(() => parseVsockAddress(text)).toThrowError(
      expect.objectContaining({ code: 'ERR_VMCI_INVALID_ADDRESS' }),
    );
  });

  it('formats an address that parses back', () => {
    expect(formatVsockAddress({ cid: 2, port: 1234 })).toBe('vsock://2:1234');
    const address = { cid: 0xfffffffe, port: 0xffffffff };
    expect(parseVsockAddress(formatVsockAddress(address))).toEqual(address);
  });

  it('takes the well-known CIDs from the generated bindings', () => {
    expect(wellKnownCids).toEqual({
      hypervisor: VMADDR_CID_HYPERVISOR,
      local: VMADDR_CID_LOCAL,
      host: VMADDR_CID_HOST,
      any: VMADDR_CID_ANY,
    });
    expect([CID_ANY, PORT_ANY]).toEqual([VMADDR_CID_ANY, VMADDR_PORT_ANY]);
  });

  it('resolves CID names case-insensitively and rejects fractions', () => {
    expect(resolveCid('HOST')).toBe(2);
    expect(() => resolveCid(2.5)).toThrowError(
      expect.objectContaining({ code: 'ERR_VMCI_INVALID_ADDRESS' }),
    );
    expect(() => resolvePort(Number.NaN)).toThrowError(
      expect.objectContaining({ code: 'ERR_VMCI_INVALID_ADDRESS' }),
    );
  });
});
