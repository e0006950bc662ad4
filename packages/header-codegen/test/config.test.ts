/**
 * Config files: a .ts config loads on plain Node (no tsx) with paths relative to the config; .mjs,
 * .js and .json load too; every failure has a typed code and says what to do.
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runProcess } from '../../../test/helpers/run-process.js';
import { fixturesDir, packageDir, plainNodeCopy, runCli } from './helpers.js';

const run = runCli;

const scratch = () => mkdtempSync(join(tmpdir(), 'vmci-codegen-config-'));

/** A project outside the repository: include/h.h, config/targets.mjs and the given config. */
function project(configName: string, configText: string): string {
  const dir = scratch();
  mkdirSync(join(dir, 'include'));
  mkdirSync(join(dir, 'config'));
  writeFileSync(
    join(dir, 'include', 'h.h'),
    '#define ANSWER 42\nstruct pair { int a; char b; };\n',
  );
  writeFileSync(join(dir, 'config', 'targets.mjs'), "export const targets = ['linux-x64'];\n");
  writeFileSync(join(dir, 'config', configName), configText);
  return dir;
}

const typescriptConfig = `import type { CodegenConfig } from '@vmci/header-codegen';
import { targets } from './targets.mjs';

interface Extra { readonly note: string }
const extra: Extra = { note: 'types are erased' };
void extra;

export default {
  outDir: '../generated',
  headers: [{ header: '../include/h.h', name: 'h', targets: targets as CodegenConfig['headers'][number]['targets'] }],
} satisfies CodegenConfig;
`;

describe('a .ts config on plain Node (no tsx)', () => {
  let bin: string;
  beforeAll(() => {
    bin = plainNodeCopy();
  });
  afterAll(() => rmSync(dirname(dirname(bin)), { recursive: true, force: true }));

  it("runs the README's codegen.config.ts example", async () => {
    // The README shows this file (the root docs test keeps the two identical).
    const example = readFileSync(join(packageDir, 'examples', 'codegen.config.ts'), 'utf8');
    expect(example).toContain('export default');
    const dir = scratch();
    mkdirSync(join(dir, 'vendor'));
    copyFileSync(join(fixturesDir, 'rev2021.h'), join(dir, 'vendor', 'vmci_sockets.h'));
    writeFileSync(join(dir, 'codegen.config.ts'), example);
    const result = await runProcess(process.execPath, [bin, '--config', 'codegen.config.ts'], {
      cwd: dir,
    });
    expect(result.status).toBe(0);
    expect(readdirSync(join(dir, 'src', 'generated')).sort()).toEqual([
      'index.ts',
      'vmci_sockets.darwin-arm64.ts',
      'vmci_sockets.linux-x64.ts',
      'vmci_sockets.win32-x64.ts',
    ]);
  });

  it(`loads it on ${process.version}, with its paths relative to the config`, async () => {
    const dir = project('codegen.config.ts', typescriptConfig);
    // Run from another folder: every path in the config is relative to the config file.
    const result = await runProcess(
      process.execPath,
      [bin, '--config', 'config/codegen.config.ts'],
      { cwd: dir },
    );
    expect(result.stderr).toContain(`wrote 2 file(s) to ${join(dir, 'generated')}`);
    expect(result.status).toBe(0);
    expect(readdirSync(join(dir, 'generated')).sort()).toEqual(['h.linux-x64.ts', 'index.ts']);
    // The compiled copy next to the config is removed.
    expect(readdirSync(join(dir, 'config')).sort()).toEqual(['codegen.config.ts', 'targets.mjs']);
    const check = await runProcess(
      process.execPath,
      [bin, '--config', join(dir, 'config', 'codegen.config.ts'), '--check'],
      { cwd: tmpdir() },
    );
    expect(check.stderr).toContain('generated files are current');
    expect(check.status).toBe(0);
  });

  // Node 20 cannot import a .ts file; Node 22.18+ and 23.6+ strip its types themselves.
  const nodeStripsTypes = Boolean((process.features as { typescript?: unknown }).typescript);
  it(`${nodeStripsTypes ? 'lets Node load' : 'says how to fix'} a value import of another .ts file`, async () => {
    const dir = project(
      'codegen.config.ts',
      "import { x } from './other.ts';\nexport default x;\n",
    );
    writeFileSync(
      join(dir, 'config', 'other.ts'),
      "export const x = { outDir: '../o', headers: [{ header: '../include/h.h', targets: ['linux-x64'] }] };\n",
    );
    const result = await runProcess(
      process.execPath,
      [bin, '--config', 'config/codegen.config.ts'],
      { cwd: dir },
    );
    if (nodeStripsTypes) {
      expect(result.stderr).toContain('wrote 2 file(s)');
      expect(result.status).toBe(0);
    } else {
      expect(result.stderr).toMatch(
        /^vmci-codegen: ERR_CODEGEN_CONFIG_LOAD: cannot load config '.*codegen\.config\.ts': .*A \.ts config is compiled on its own: it may import packages and \.js, \.mjs or \.json files, and other \.ts files only with `import type`\n$/,
      );
      expect(result.status).toBe(1);
    }
    expect(readdirSync(join(dir, 'config')).sort()).toEqual([
      'codegen.config.ts',
      'other.ts',
      'targets.mjs',
    ]);
  });
});

describe('config files', () => {
  it('loads a .ts config in process too', async () => {
    const dir = project('codegen.config.mts', typescriptConfig);
    const { code, stderr } = await run(['--config', 'config/codegen.config.mts'], dir);
    expect(stderr).toContain('wrote 2 file(s)');
    expect(code).toBe(0);
  });

  it('loads a .json config', async () => {
    const dir = project(
      'codegen.config.json',
      JSON.stringify({
        outDir: '../out',
        headers: [{ header: '../include/h.h', targets: ['win32-x64'] }],
      }),
    );
    const { code } = await run(['--config', 'config/codegen.config.json'], dir);
    expect(code).toBe(0);
    expect(readdirSync(join(dir, 'out')).sort()).toEqual(['h.win32-x64.ts', 'index.ts']);
  });

  it('loads a CommonJS .cjs config', async () => {
    const dir = project(
      'codegen.config.cjs',
      "module.exports = { outDir: '../out', headers: [{ header: '../include/h.h', targets: ['linux-arm64'] }] };\n",
    );
    const { code } = await run(['--config', 'config/codegen.config.cjs'], dir);
    expect(code).toBe(0);
    expect(existsSync(join(dir, 'out', 'h.linux-arm64.ts'))).toBe(true);
  });

  const failures: [string, string, string, string, RegExp][] = [
    [
      'a missing file',
      'codegen.config.ts',
      '',
      'ERR_CODEGEN_CONFIG_NOT_FOUND',
      /no config file at '.*nope\.config\.ts'; pass the path/,
    ],
    [
      'a TypeScript syntax error',
      'codegen.config.ts',
      'export default { outDir: ;\n',
      'ERR_CODEGEN_CONFIG_LOAD',
      /codegen\.config\.ts:1:26: Expression expected; fix the config's syntax/,
    ],
    [
      'a config that throws',
      'codegen.config.ts',
      "throw new Error('boom');\n",
      'ERR_CODEGEN_CONFIG_LOAD',
      /cannot load config '.*codegen\.config\.ts': boom/,
    ],
    [
      'invalid JSON',
      'codegen.config.json',
      '{ outDir: 1 }',
      'ERR_CODEGEN_CONFIG_LOAD',
      /not valid JSON/,
    ],
    [
      'an unsupported extension',
      'codegen.config.yaml',
      'outDir: x\n',
      'ERR_CODEGEN_BAD_CONFIG',
      /a config must be a \.ts, .* file/,
    ],
    [
      'no default export',
      'codegen.config.mjs',
      'export const config = {};\n',
      'ERR_CODEGEN_BAD_CONFIG',
      /the default export must be a config object/,
    ],
    [
      'a misspelt key',
      'codegen.config.mjs',
      "export default { outdir: 'x', headers: [] };\n",
      'ERR_CODEGEN_BAD_CONFIG',
      /unknown key 'outdir'; the keys are: outDir, headers/,
    ],
    [
      'a bad defines entry',
      'codegen.config.mjs',
      "export default { outDir: 'x', headers: [{ header: 'h.h', targets: ['linux-x64'], defines: { A: 1 } }] };\n",
      'ERR_CODEGEN_BAD_CONFIG',
      /headers\[0\]\.defines must map macro names to strings/,
    ],
  ];
  it.each(failures)(
    'reports %s with a code and what to do',
    async (_, name, text, code, message) => {
      const dir = project(name, text);
      writeFileSync(join(dir, 'config', 'other.ts'), 'export const x = {};\n');
      const path = text === '' ? 'config/nope.config.ts' : `config/${name}`;
      const result = await run(['--config', path], dir);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`vmci-codegen: ${code}: `);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
      // No compiled copy is left behind.
      expect(readdirSync(join(dir, 'config')).filter((f) => f.startsWith('.'))).toEqual([]);
    },
  );
});
