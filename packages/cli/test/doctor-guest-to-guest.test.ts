/**
 * `vmci doctor` says that VMware deprecated guest↔guest vsock, and whether it applies here.
 */
import { existsSync } from 'node:fs';
import { vmciTransportMarkers } from '@vmci/sockets';
import { describe, expect, it } from 'vitest';
import { guestToGuestNote } from '../src/commands/doctor.js';
import { main } from '../src/main.js';

async function run(...argv: string[]) {
  let stdout = '';
  const code = await main(argv, { stdout: (t) => (stdout += t), stderr: () => {}, isTTY: false });
  return { code, stdout };
}

describe('vmci doctor: guest ↔ guest', () => {
  it('prints a line saying guest-to-guest is deprecated', async () => {
    const { code, stdout } = await run('doctor');
    expect(code).toBe(0);
    expect(stdout).toMatch(/guest ↔ guest\s+deprecated by VMware: .*next major release/);
  });

  it('reports in JSON whether this machine uses VMCI', async () => {
    const { stdout } = await run('doctor', '--json');
    const report = JSON.parse(stdout);
    expect(report.guestToGuest.deprecated).toBe(true);
    expect(report.guestToGuest.vmci).toBe(vmciTransportMarkers.some((path) => existsSync(path)));
  });

  it('says whether the deprecation applies here', () => {
    expect(guestToGuestNote(true)).toContain('applies here');
    expect(guestToGuestNote(false)).toContain('does not apply here');
  });
});
