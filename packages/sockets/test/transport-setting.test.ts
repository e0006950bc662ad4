/**
 * VMCI_TRANSPORT / --transport: the setting's forms, and typed errors for bad ones.
 */
import { describe, expect, it } from 'vitest';
import { parseTransportSetting, transportFromSetting } from '../src/index.js';

describe('parseTransportSetting', () => {
  it('reads kernel and an empty setting as the kernel', () => {
    expect(parseTransportSetting('kernel')).toEqual({ kind: 'kernel' });
    expect(parseTransportSetting('')).toEqual({ kind: 'kernel' });
  });

  it('reads testkit:<path> as the host, and ?cid= as a VM', () => {
    expect(parseTransportSetting('testkit:/run/hv.sock')).toEqual({
      kind: 'testkit',
      path: '/run/hv.sock',
      cid: 2,
    });
    expect(parseTransportSetting('testkit:/run/hv.sock?cid=3')).toMatchObject({ cid: 3 });
  });

  it.each([
    ['vsock:3', 'unknown transport'],
    ['testkit:hv.sock', 'absolute'],
    ['testkit:/run/hv.sock?cid=1', 'cid must be'],
    ['testkit:/run/hv.sock?cid=x', 'cid must be'],
    ['testkit:/run/hv.sock?vm=3', "unknown parameter 'vm'"],
  ])('refuses %s with ERR_VMCI_INVALID_TRANSPORT', (value, why) => {
    expect(() => parseTransportSetting(value)).toThrow(
      expect.objectContaining({
        code: 'ERR_VMCI_INVALID_TRANSPORT',
        message: expect.stringContaining(why),
      }),
    );
  });
});

describe('transportFromSetting', () => {
  it('is undefined (the kernel) for kernel', () => {
    expect(transportFromSetting('kernel')).toBeUndefined();
  });

  it('refuses a socket path where nothing is served', () => {
    expect(() => transportFromSetting('testkit:/nonexistent/hv.sock?cid=3')).toThrow(
      expect.objectContaining({ code: 'ERR_VMCI_TRANSPORT_UNREACHABLE' }),
    );
  });
});
