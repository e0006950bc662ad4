/**
 * Completion scripts, exercised by the real shells (bash, fish; zsh checks syntax and
 * registration — its completion engine needs a terminal).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { outputOf } from '../../../test/helpers/run-process.js';
import { completionScript } from '../src/completion.js';
import { main } from '../src/main.js';
import { streamIo } from './helpers/stream-io.js';

const dir = mkdtempSync(join(tmpdir(), 'vmci-completion-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function scriptFile(shell: 'bash' | 'zsh' | 'fish') {
  const path = join(dir, `vmci.${shell}`);
  writeFileSync(path, completionScript(shell));
  return path;
}

/** What bash's completion function offers for `words` (the last word is being completed). */
async function bashComplete(...words: string[]): Promise<string[]> {
  const script = `source ${scriptFile('bash')}
COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}
_vmci; printf '%s\\n' "\${COMPREPLY[@]}"`;
  return (await outputOf('bash', ['-c', script], { cwd: dir })).split('\n').filter(Boolean);
}

async function fishComplete(line: string): Promise<string[]> {
  const out = await outputOf(
    'fish',
    ['--no-config', '-c', `source ${scriptFile('fish')}; complete -C '${line}'`],
    { cwd: dir },
  );
  return out
    .split('\n')
    .filter(Boolean)
    .map((entry) => entry.split('\t')[0] as string);
}

// Each test starts shells (zsh's compinit takes seconds on a loaded machine): a hang guard, not a
// speed limit.
const shellTimeout = 60_000;

describe('vmci completion', () => {
  it(
    'bash completes command names',
    async () => {
      expect(await bashComplete('vmci', 'pr')).toEqual(['proxy']);
    },
    shellTimeout,
  );

  it(
    "bash completes a command's options",
    async () => {
      expect((await bashComplete('vmci', 'proxy', '--allo')).sort()).toEqual([
        '--allow',
        '--allow-from',
        '--allowlist',
      ]);
    },
    shellTimeout,
  );

  it(
    'bash completes fixed option values',
    async () => {
      expect((await bashComplete('vmci', 'proxy', '--log-format', '')).sort()).toEqual([
        'json',
        'text',
      ]);
    },
    shellTimeout,
  );

  it(
    'bash completes files for send',
    async () => {
      writeFileSync(join(dir, 'payload.bin'), 'x');
      expect(await bashComplete('vmci', 'send', 'host:5000', 'payl')).toEqual(['payload.bin']);
    },
    shellTimeout,
  );

  it(
    'fish completes command names and option values',
    async () => {
      expect(await fishComplete('vmci pro')).toEqual(['proxy']);
      expect((await fishComplete('vmci completion ')).sort()).toEqual(['bash', 'fish', 'zsh']);
      expect((await fishComplete('vmci proxy --log-format ')).sort()).toEqual(['json', 'text']);
    },
    shellTimeout,
  );

  it(
    'zsh parses the script and registers _vmci for vmci',
    async () => {
      const path = scriptFile('zsh');
      await outputOf('zsh', ['-n', path]);
      const registered = await outputOf('zsh', [
        '-f',
        '-c',
        `autoload -U compinit && compinit -u -D && source ${path} && print -r -- $_comps[vmci]`,
      ]);
      expect(registered.trim()).toBe('_vmci');
    },
    shellTimeout,
  );

  it('prints the script through the command and refuses other shells (exit 2)', async () => {
    const ok = streamIo('');
    expect(await main(['completion', 'bash'], ok.io)).toBe(0);
    expect(ok.output()).toContain('complete -o filenames -F _vmci vmci');
    const bad = streamIo('');
    expect(await main(['completion', 'powershell'], bad.io)).toBe(2);
    expect(bad.errors()).toContain("unknown shell 'powershell'; choose one of bash, zsh, fish");
  });
});
