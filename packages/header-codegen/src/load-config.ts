/**
 * Loads a codegen config file on any supported Node (20 and later), without tsx or a loader:
 * `.ts`/`.mts`/`.cts` are compiled to JavaScript with the TypeScript compiler that ts-morph
 * already brings, `.mjs`/`.js`/`.cjs` are imported, `.json` is parsed.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type CodegenConfig, validateConfig } from './config.js';
import { CodegenError } from './errors.js';

/** File extensions a config may have. */
export const configExtensions: readonly string[] = [
  '.ts',
  '.mts',
  '.cts',
  '.mjs',
  '.js',
  '.cjs',
  '.json',
];

const typescriptExtensions = new Set(['.ts', '.mts', '.cts']);

const loadFailure = (path: string, message: string, cause?: unknown) =>
  new CodegenError('ERR_CODEGEN_CONFIG_LOAD', `cannot load config '${path}': ${message}`, {
    cause,
  });

/**
 * Reads, compiles if needed, evaluates and validates the config at `path` (absolute). Paths in
 * the config stay relative to the config's folder; the caller resolves them.
 */
export async function loadConfigFile(path: string): Promise<CodegenConfig> {
  if (!existsSync(path)) {
    throw new CodegenError(
      'ERR_CODEGEN_CONFIG_NOT_FOUND',
      `no config file at '${path}'; pass the path of your codegen config (relative to the current folder)`,
    );
  }
  const extension = extname(path);
  if (!configExtensions.includes(extension)) {
    throw new CodegenError(
      'ERR_CODEGEN_BAD_CONFIG',
      `${path}: a config must be a ${configExtensions.join(', ')} file; rename it or write it in one of these`,
    );
  }
  let value: unknown;
  if (extension === '.json') value = parseJson(path);
  else if (typescriptExtensions.has(extension)) value = await importTypeScript(path);
  else value = await importModule(path, path);
  return validateConfig(value, path);
}

function parseJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw loadFailure(path, `not valid JSON (${(error as Error).message})`, error);
  }
}

let importCount = 0;

/** Imports a module and returns its default export; `shownAs` names it in errors. */
async function importModule(file: string, shownAs: string): Promise<unknown> {
  // A query string makes every load a fresh evaluation (the config may have changed).
  const url = `${pathToFileURL(file).href}?load=${++importCount}`;
  try {
    return ((await import(url)) as { default?: unknown }).default;
  } catch (error) {
    const message = (error as Error).message.split(file).join(shownAs);
    const code = (error as { code?: unknown }).code;
    const hint =
      file !== shownAs && (code === 'ERR_MODULE_NOT_FOUND' || code === 'ERR_UNKNOWN_FILE_EXTENSION')
        ? '. A .ts config is compiled on its own: it may import packages and .js, .mjs or .json files, and other .ts files only with `import type`'
        : '';
    throw loadFailure(shownAs, `${message}${hint}`, error);
  }
}

/**
 * Compiles a TypeScript config (types erased, `import type` dropped) to an ES module written next
 * to it, so that its relative imports and package imports resolve as written, imports it and
 * removes the compiled file.
 */
async function importTypeScript(path: string): Promise<unknown> {
  const { ts } = await import('ts-morph');
  const source = readFileSync(path, 'utf8');
  const output = ts.transpileModule(source, {
    fileName: path,
    reportDiagnostics: true,
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      sourceMap: false,
    },
  });
  const problem = output.diagnostics?.find((d) => d.category === ts.DiagnosticCategory.Error);
  if (problem) {
    const where =
      problem.file && problem.start !== undefined
        ? problem.file.getLineAndCharacterOfPosition(problem.start)
        : undefined;
    const message = ts.flattenDiagnosticMessageText(problem.messageText, ' ').replace(/\.$/, '');
    throw new CodegenError(
      'ERR_CODEGEN_CONFIG_LOAD',
      `${where ? `${path}:${where.line + 1}:${where.character + 1}: ` : `${path}: `}${message}; fix the config's syntax`,
    );
  }
  const compiled = join(
    dirname(path),
    `.${basename(path)}.${process.pid}-${randomBytes(4).toString('hex')}.mjs`,
  );
  try {
    writeFileSync(compiled, output.outputText, { flag: 'wx' });
  } catch (error) {
    throw loadFailure(
      path,
      `cannot write the compiled config next to it (${(error as Error).message}); make the folder writable or write the config as .mjs`,
      error,
    );
  }
  try {
    return await importModule(compiled, path);
  } finally {
    rmSync(compiled, { force: true });
  }
}
