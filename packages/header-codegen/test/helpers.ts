import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { main } from '../src/cli.js';
import { CodegenError } from '../src/errors.js';
import { lexFile, type Token } from '../src/lexer.js';
import { buildModel, type HeaderModel } from '../src/model.js';
import type { TargetName } from '../src/targets.js';

export const linuxHeaderPath = '/usr/include/linux/vm_sockets.h';
export const fixturesDir = fileURLToPath(new URL('../fixtures/vmware/', import.meta.url));

export function vmwareFixtures(): { name: string; path: string; text: string }[] {
  return readdirSync(fixturesDir)
    .filter((f) => f.endsWith('.h'))
    .sort()
    .map((name) => ({
      name,
      path: `${fixturesDir}${name}`,
      text: readFileSync(`${fixturesDir}${name}`, 'utf8'),
    }));
}

export function linuxModel(target: TargetName = 'linux-x64'): HeaderModel {
  return buildModel({
    path: linuxHeaderPath,
    text: readFileSync(linuxHeaderPath, 'utf8'),
    target,
    preInclude: ['sys/ioctl.h'],
  });
}

/** Loads an emitted module (TypeScript text) as a live ES module. */
export async function importEmitted(text: string): Promise<Record<string, unknown>> {
  const js = ts.transpileModule(text, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  return import(`data:text/javascript;base64,${Buffer.from(js).toString('base64')}`);
}

export const packageDir = fileURLToPath(new URL('../', import.meta.url));

/**
 * A plain-JavaScript copy of the package (src compiled with the TypeScript compiler, bin and
 * package.json copied) inside the package's .scratch folder, so that ts-morph resolves from the
 * package's node_modules as it does in an install. Runs on plain Node: no tsx, no vitest.
 * Returns the path of its bin/vmci-codegen.js.
 */
export function plainNodeCopy(): string {
  mkdirSync(join(packageDir, '.scratch'), { recursive: true });
  const root = mkdtempSync(join(packageDir, '.scratch', 'plain-node-'));
  mkdirSync(join(root, 'dist'));
  mkdirSync(join(root, 'bin'));
  for (const name of readdirSync(join(packageDir, 'src'), { recursive: true, encoding: 'utf8' })) {
    if (!name.endsWith('.ts')) continue;
    const js = ts.transpileModule(readFileSync(join(packageDir, 'src', name), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    const out = join(root, 'dist', name.replace(/\.ts$/, '.js'));
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, js);
  }
  copyFileSync(join(packageDir, 'package.json'), join(root, 'package.json'));
  copyFileSync(join(packageDir, 'bin', 'vmci-codegen.js'), join(root, 'bin', 'vmci-codegen.js'));
  return join(root, 'bin', 'vmci-codegen.js');
}

/** Runs `vmci-codegen` in process with captured output. */
export async function runCli(
  args: readonly string[],
  cwd = process.cwd(),
  env: Record<string, string | undefined> = {},
) {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    cwd,
    env,
  });
  return { code, stdout, stderr };
}

/** The tokens of one line of C (or of the first logical line of `text`). */
export function lexLine(text: string): Token[] {
  return lexFile('unit.h', text).lines[0]?.tokens ?? [];
}

/** The one token `text` lexes to. */
export function lexToken(text: string): Token {
  const [token, ...rest] = lexLine(text);
  if (!token || rest.length > 0) throw new Error(`'${text}' is not one token`);
  return token;
}

/** The CodegenError `fn` throws (fails the test when it throws nothing or something else). */
export function codegenErrorOf(
  fn: () => unknown,
  whenNothing = 'expected a CodegenError',
): CodegenError {
  try {
    fn();
  } catch (error) {
    if (CodegenError.isInstance(error)) return error;
    throw error;
  }
  throw new Error(whenNothing);
}
