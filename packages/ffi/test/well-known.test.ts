/**
 * The well-known addresses are taken from one generated target; every other target must agree, or
 * taking them from one would be wrong somewhere.
 */
import { describe, expect, it } from 'vitest';
import {
  generated,
  isGuestCid,
  VMADDR_CID_ANY,
  VMADDR_CID_HOST,
  VMADDR_CID_HYPERVISOR,
  VMADDR_CID_LOCAL,
  VMADDR_PORT_ANY,
} from '../src/index.js';

const wellKnown = {
  VMADDR_CID_ANY,
  VMADDR_PORT_ANY,
  VMADDR_CID_HYPERVISOR,
  VMADDR_CID_LOCAL,
  VMADDR_CID_HOST,
};

describe('well-known vsock addresses', () => {
  it.each(Object.entries(generated))('%s says the same for every one it defines', (_, target) => {
    const defined = Object.entries(wellKnown).filter(([name]) => name in target);
    // Every header defines the two "any" values; Linux's also names the reserved CIDs.
    expect(defined.map(([name]) => name)).toEqual(
      expect.arrayContaining(['VMADDR_CID_ANY', 'VMADDR_PORT_ANY']),
    );
    for (const [name, value] of defined)
      expect((target as Record<string, unknown>)[name], name).toBe(value);
  });

  it('has the values of the kernel ABI', () => {
    expect(wellKnown).toEqual({
      VMADDR_CID_ANY: 0xffffffff,
      VMADDR_PORT_ANY: 0xffffffff,
      VMADDR_CID_HYPERVISOR: 0,
      VMADDR_CID_LOCAL: 1,
      VMADDR_CID_HOST: 2,
    });
  });

  it('calls CIDs from 3 up to, not including, CID_ANY a guest', () => {
    expect([0, 1, 2, 3, 0xfffffffe, 0xffffffff, 3.5, Number.NaN].map(isGuestCid)).toEqual([
      false,
      false,
      false,
      true,
      true,
      false,
      false,
      false,
    ]);
  });
});
