/**
 * Guest↔guest deprecation: a one-time DeprecationWarning with a stable code when a guest connects
 * to another guest over VMCI (the decision is tested with injected probes: nothing connects).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { warningCollector } from '../../../test/helpers/process-warnings.js';
import { noteKernelConnect } from '../src/guest-to-guest.js';
import { guestToGuestDeprecationCode, isGuestToGuest } from '../src/index.js';

describe('isGuestToGuest', () => {
  it('is true between two different guest CIDs only', () => {
    expect(isGuestToGuest(3, 4)).toBe(true);
    expect(isGuestToGuest(3, 3)).toBe(false);
    expect(isGuestToGuest(3, 2)).toBe(false);
    expect(isGuestToGuest(2, 3)).toBe(false);
    expect(isGuestToGuest(1, 1)).toBe(false);
    expect(isGuestToGuest(3, 0xffffffff)).toBe(false);
  });
});

describe('noteKernelConnect', () => {
  const { warnings, start, stop, settle } = warningCollector();
  beforeEach(start);
  afterEach(stop);

  it('stays silent on virtio, and toward the host, without asking the local CID', async () => {
    let asked = 0;
    const local = () => {
      asked++;
      return 3;
    };
    noteKernelConnect(4, local, () => false);
    noteKernelConnect(2, local, () => true);
    await settle();
    expect(warnings).toEqual([]);
    expect(asked).toBe(0);
  });

  it('warns once, with the stable code, for guest → guest over VMCI', async () => {
    noteKernelConnect(
      4,
      () => 3,
      () => true,
    );
    noteKernelConnect(
      5,
      () => 3,
      () => true,
    );
    await settle();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({
      name: 'DeprecationWarning',
      code: guestToGuestDeprecationCode,
    });
    expect(warnings[0]?.message).toContain('next major release');
  });
});
