/**
 * The outbound allowlist: file syntax with line numbers, wildcards, and re-reading on change.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useCleanups } from '../../../test/helpers/cleanups.js';
import {
  formatAllowRule,
  loadAllowlist,
  parseAllowlist,
  parseAllowRule,
  ruleAllows,
} from '../src/allowlist.js';
import { parseEndpoint } from '../src/endpoint.js';

const target = (text: string) => parseEndpoint(text, 'connect');

describe('parseAllowlist', () => {
  it('reads one rule per line, skipping comments and blank lines', () => {
    const rules = parseAllowlist(
      [
        '# the agents',
        'vsock:3:80',
        '',
        '   vsock:host:*   # any port on the host',
        'tcp:[fd00::1]:8443',
        'tcp:*:443\r',
        'unix:/run/agent.sock',
      ].join('\n'),
      'allow.list',
    );
    expect(rules.map(formatAllowRule)).toEqual([
      'vsock:3:80',
      'vsock:2:*',
      'tcp:[fd00::1]:8443',
      'tcp:*:443',
      'unix:/run/agent.sock',
    ]);
  });

  it.each([
    ['vsock:80', 3, 'a vsock rule names the CID (or *)'],
    ['tcp:*', 3, 'a tcp rule names the host (or *)'],
    ['tcp:10.0.0.5:https', 3, 'the TCP port must be a whole number'],
    ['vsock:3:80 vsock:3:81', 3, 'one rule per line'],
    ['unix:relative.sock', 3, 'must be absolute'],
    ['ftp:1.2.3.4:21', 3, 'expected vsock:[CID:]PORT'],
  ])('names the file and line of a bad rule: %s', (line, lineNumber, problem) => {
    const content = `# header\nvsock:3:80\n${line}\ntcp:*:443\n`;
    let error: unknown;
    try {
      parseAllowlist(content, '/etc/vmci/allow.list');
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ code: 'ERR_VMCI_INVALID_ARGUMENT', exitCode: 2 });
    expect((error as Error).message).toMatch(
      new RegExp(`^vmci proxy: /etc/vmci/allow\\.list:${lineNumber}: `),
    );
    expect((error as Error).message).toContain(problem);
  });

  it('keeps a # inside a path (only # after a space starts a comment)', () => {
    expect(parseAllowlist('unix:/run/a#b.sock', 'f').map(formatAllowRule)).toEqual([
      'unix:/run/a#b.sock',
    ]);
  });
});

describe('ruleAllows', () => {
  it.each([
    ['vsock:3:80', 'vsock:3:80', true],
    ['vsock:3:80', 'vsock:3:81', false],
    ['vsock:3:*', 'vsock:3:81', true],
    ['vsock:*:80', 'vsock:7:80', true],
    ['vsock:host:1024', 'vsock:2:1024', true],
    ['tcp:*:443', 'tcp:kms.internal:443', true],
    ['tcp:*:443', 'tcp:kms.internal:80', false],
    ['tcp:KMS.internal.:443', 'tcp:kms.internal:443', true],
    ['tcp:[::1]:*', 'tcp:[0::1]:8080', true],
    ['tcp:10.0.0.5:443', 'tcp:kms.internal:443', false],
    ['vsock:*:*', 'tcp:10.0.0.5:443', false],
    ['unix:/run/a.sock', 'unix:/run/a.sock', true],
    ['unix:/run/a.sock', 'unix:/run/b.sock', false],
  ])('%s allows %s: %s', (rule, to, allowed) => {
    expect(ruleAllows(parseAllowRule(rule), target(to))).toBe(allowed);
  });
});

describe('loadAllowlist', () => {
  const { tempDir } = useCleanups('vmci-proxy-');

  it('allows by --allow rules without a file', async () => {
    const list = await loadAllowlist({ rules: ['vsock:3:80'] });
    expect(await list.check(target('vsock:3:80'))).toEqual({ allowed: true, rule: 'vsock:3:80' });
    expect(await list.check(target('vsock:3:81'))).toMatchObject({ allowed: false });
  });

  it('refuses a missing file as a usage error', async () => {
    await expect(loadAllowlist({ file: '/nonexistent/allow.list' })).rejects.toMatchObject({
      code: 'ERR_VMCI_INVALID_ARGUMENT',
      message: 'vmci proxy: cannot read the allowlist /nonexistent/allow.list: no such file',
    });
  });

  it('re-reads the file when it changes, so removing a line revokes access', async () => {
    const dir = tempDir();
    const file = join(dir.path, 'allow.list');
    writeFileSync(file, 'vsock:3:80\nvsock:3:81\n');
    const list = await loadAllowlist({ file });
    expect(await list.check(target('vsock:3:81'))).toMatchObject({ allowed: true });
    writeFileSync(file, 'vsock:3:80\n');
    expect(await list.check(target('vsock:3:81'))).toEqual({
      allowed: false,
      reason: `no rule in ${file} allows it`,
    });
  });

  it('denies everything while the file is broken (fail closed), and recovers', async () => {
    const dir = tempDir();
    const file = join(dir.path, 'allow.list');
    writeFileSync(file, 'vsock:3:80\n');
    const list = await loadAllowlist({ file });
    writeFileSync(file, 'vsock:3:80\nnonsense here\n');
    const denied = await list.check(target('vsock:3:80'));
    expect(denied).toMatchObject({ allowed: false });
    expect(denied.allowed === false && denied.reason).toContain(`${file}:2:`);
    writeFileSync(file, '# fixed\nvsock:3:80\n');
    expect(await list.check(target('vsock:3:80'))).toMatchObject({ allowed: true });
  });
});
