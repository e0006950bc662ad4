/**
 * `vmci codegen` without ts-morph (an optional peer of @vmci/cli): a typed error that says what
 * to install, no stack trace. Simulated with an injected loader, and for real with the bundle in a
 * folder whose node_modules holds koffi only (nothing is uninstalled).
 */
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runProcess } from '../../../test/helpers/run-process.js';
import { buildCli } from '../build.js';
import { CodegenDependencyError, runCodegen, tsMorphVersion } from '../src/commands/codegen.js';

const packageRoot = fileURLToPath(new URL('..', import.meta.url));
const io = { stdout: () => {}, stderr: () => {}, isTTY: false };

/** The error Node raises for an import of a package that is not installed. */
function notFound(name: string) {
  return Object.assign(
    new Error(
      `Cannot find package '${name}' imported from /app/node_modules/@vmci/cli/dist/chunks/emit.js`,
    ),
    { code: 'ERR_MODULE_NOT_FOUND' },
  );
}

const expectedMessage = `'vmci codegen' needs ts-morph, an optional peer dependency of @vmci/cli that is not installed; install it next to @vmci/cli with 'npm install ts-morph@${tsMorphVersion}', or use the code generator's own package: 'npm install @vmci/header-codegen', then 'npx vmci-codegen --help'`;

describe('vmci codegen without ts-morph (injected loader)', () => {
  it('fails with ERR_VMCI_CODEGEN_MISSING_DEPENDENCY when the generator cannot load', async () => {
    const error = await runCodegen(['h.h', '-t', 'linux-x64'], io, () =>
      Promise.reject(notFound('ts-morph')),
    ).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CodegenDependencyError);
    expect(error).toMatchObject({
      code: 'ERR_VMCI_CODEGEN_MISSING_DEPENDENCY',
      message: expectedMessage,
    });
  });

  it('also when the run loads the emitter, or a part of ts-morph is missing', async () => {
    const error = await runCodegen(['h.h', '-t', 'linux-x64'], io, async () => ({
      main: () => Promise.reject(notFound('@ts-morph/common')),
    })).catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      code: 'ERR_VMCI_CODEGEN_MISSING_DEPENDENCY',
      message: expect.stringMatching(
        /^'vmci codegen' needs @ts-morph\/common \(part of ts-morph\)/,
      ),
    });
  });

  it('passes other missing modules through unchanged', async () => {
    const other = notFound('left-pad');
    await expect(runCodegen([], io, () => Promise.reject(other))).rejects.toBe(other);
  });

  it('is quoted word for word in the README', () => {
    const collapse = (text: string) => text.replace(/\s+/g, ' ');
    const readme = collapse(readFileSync(join(packageRoot, 'README.md'), 'utf8'));
    expect(readme).toContain(
      collapse(`vmci: ERR_VMCI_CODEGEN_MISSING_DEPENDENCY: ${expectedMessage}`),
    );
  });

  it('names the ts-morph version the workspace pins', () => {
    const workspace = readFileSync(join(packageRoot, '../../pnpm-workspace.yaml'), 'utf8');
    expect(workspace).toContain(`ts-morph: ${tsMorphVersion}\n`);
  });
});

describe('the vmci bundle in a project without ts-morph', () => {
  let project: string;
  const vmci = (...args: string[]) =>
    runProcess(process.execPath, [join(project, 'bin', 'vmci.js'), ...args], { cwd: project });

  beforeAll(async () => {
    project = realpathSync(mkdtempSync(join(tmpdir(), 'vmci-no-ts-morph-')));
    await buildCli(join(project, 'dist'));
    mkdirSync(join(project, 'bin'));
    copyFileSync(join(packageRoot, 'bin', 'vmci.js'), join(project, 'bin', 'vmci.js'));
    mkdirSync(join(project, 'node_modules'));
    const koffi = realpathSync(join(packageRoot, 'node_modules', 'koffi'));
    symlinkSync(koffi, join(project, 'node_modules', 'koffi'), 'dir');
  });
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  it('has no ts-morph to resolve (the precondition)', async () => {
    const probe = await runProcess(
      process.execPath,
      ['--input-type=module', '-e', "await import('ts-morph')"],
      { cwd: join(project, 'dist') },
    );
    expect(probe.stderr).toContain("Cannot find package 'ts-morph'");
    expect(probe.status).toBe(1);
  });

  it('fails vmci codegen with the typed error, one line, no stack trace', async () => {
    const result = await vmci(
      'codegen',
      '/usr/include/linux/vm_sockets.h',
      '-t',
      'linux-x64',
      '--json',
    );
    expect(result.stderr).toBe(`vmci: ERR_VMCI_CODEGEN_MISSING_DEPENDENCY: ${expectedMessage}\n`);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
  });

  it('still shows the generator help and runs doctor (neither loads ts-morph)', async () => {
    const help = await vmci('codegen', '--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('vmci-codegen --sdk');
    const doctor = await vmci('doctor', '--json');
    expect(doctor.status).toBe(0);
    expect(JSON.parse(doctor.stdout).sdk.searched.length).toBeGreaterThan(0);
  });
});
