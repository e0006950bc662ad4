import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { harnessMarker, inHarnessGuest, requireHarnessGuest } from '../src/harness.js';

it('is not in the harness guest on the host, and refuses loudly', () => {
  expect(readFileSync('/proc/cmdline', 'utf8')).not.toContain(harnessMarker);
  expect(inHarnessGuest()).toBe(false);
  expect(() => requireHarnessGuest()).toThrow(/refusing to run/);
});
