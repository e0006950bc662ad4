/**
 * The README's code examples (examples/, kept identical to the README by the root docs test) run
 * here; they only read headers, so they run on any machine.
 */
import { afterEach, expect, it, vi } from 'vitest';

afterEach(() => {
  vi.restoreAllMocks();
});

// Loading the generator takes seconds on a loaded CI machine: a hang guard, not a timing.
it('examples/model.ts prints the sockaddr_vm layout and the TypeScript module', {
  timeout: 60_000,
}, async () => {
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  await import('../examples/model.js');
  expect(log.mock.calls[0]).toEqual([
    16,
    ['svm_family@0', 'svm_reserved1@2', 'svm_port@4', 'svm_cid@8', 'svm_flags@12', 'svm_zero@13'],
  ]);
  expect(String(log.mock.calls[1]?.[0])).toMatch(/^export const VMADDR_CID_ANY = 4294967295;$/m);
});
