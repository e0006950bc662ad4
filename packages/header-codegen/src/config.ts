/**
 * The typed configuration that regenerates all of a repository's bindings with one command.
 */
import { CodegenError } from './errors.js';
import { type TargetName, targetNames } from './targets.js';

/** One header of a {@link CodegenConfig} and the target ABIs it is generated for. */
export interface HeaderConfig {
  /** Path of the header, relative to the config file. */
  readonly header: string;
  /** Module name stem (defaults to the header's file name without `.h`). */
  readonly name?: string;
  readonly targets: readonly TargetName[];
  /** System headers processed first, like `cc -include` (`sys/ioctl.h` supplies `_IO`). */
  readonly preInclude?: readonly string[];
  /** Extra macros, like `cc -D`. */
  readonly defines?: Readonly<Record<string, string>>;
  /**
   * Names the generator may skip (with the reason in the skip report). Any other skip fails the
   * run, so a new untranslatable construct is never dropped silently.
   */
  readonly allowSkips?: readonly string[];
}

/** A `codegen.config.ts`: where the generated files go and which headers, per target, feed them. */
export interface CodegenConfig {
  /** Output folder, relative to the config file. */
  readonly outDir: string;
  readonly headers: readonly HeaderConfig[];
  /**
   * The command that regenerates the files in this project, named in every generated file and
   * by `--check` (e.g. `'pnpm codegen'` for a package script). Default:
   * `vmci-codegen --config <this file's name>`.
   */
  readonly regenerate?: string;
}

/** Identity function that gives a config file its types. */
export function defineConfig(config: CodegenConfig): CodegenConfig {
  return config;
}

const configKeys = ['outDir', 'headers', 'regenerate'];
const headerKeys = ['header', 'name', 'targets', 'preInclude', 'defines', 'allowSkips'];

const isStringArray = (value: unknown) =>
  Array.isArray(value) && value.every((item) => typeof item === 'string');

/** Checks a loaded config's shape, with messages that name the bad entry and say what to write. */
export function validateConfig(value: unknown, source: string): CodegenConfig {
  const fail = (message: string): never => {
    throw new CodegenError('ERR_CODEGEN_BAD_CONFIG', `${source}: ${message}`);
  };
  const unknownKeys = (object: object, known: readonly string[], where: string) => {
    const extra = Object.keys(object).filter((key) => !known.includes(key));
    if (extra.length > 0)
      fail(`${where}unknown key '${extra[0]}'; the keys are: ${known.join(', ')}`);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    fail('the default export must be a config object (export default defineConfig({ … }))');
  const config = value as Partial<CodegenConfig>;
  unknownKeys(config, configKeys, '');
  if (typeof config.outDir !== 'string' || config.outDir === '')
    fail("'outDir' must be a non-empty string (the output folder, relative to the config)");
  if (
    config.regenerate !== undefined &&
    (typeof config.regenerate !== 'string' || config.regenerate.trim() === '')
  )
    fail("'regenerate' must be the command that regenerates the files, e.g. 'pnpm codegen'");
  if (!Array.isArray(config.headers) || config.headers.length === 0)
    fail("'headers' must be a non-empty array of { header, targets }");
  (config.headers as unknown[]).forEach((item, index) => {
    const at = `headers[${index}]`;
    if (typeof item !== 'object' || item === null)
      fail(`${at} must be an object { header, targets }`);
    const entry = item as Partial<HeaderConfig>;
    unknownKeys(entry, headerKeys, `${at}: `);
    if (typeof entry.header !== 'string' || entry.header === '')
      fail(`${at}.header must be the header's path (relative to the config)`);
    if (entry.name !== undefined && (typeof entry.name !== 'string' || entry.name === ''))
      fail(`${at}.name must be a non-empty string`);
    if (!Array.isArray(entry.targets) || entry.targets.length === 0)
      fail(`${at}.targets must list targets (${targetNames.join(', ')})`);
    for (const target of entry.targets as unknown[]) {
      if (!(targetNames as readonly unknown[]).includes(target)) {
        fail(
          `${at}.targets has unknown target '${String(target)}'; use one of: ${targetNames.join(', ')}`,
        );
      }
    }
    for (const key of ['preInclude', 'allowSkips'] as const) {
      if (entry[key] !== undefined && !isStringArray(entry[key]))
        fail(`${at}.${key} must be an array of strings`);
    }
    const defines = entry.defines as unknown;
    if (
      defines !== undefined &&
      (typeof defines !== 'object' ||
        defines === null ||
        !Object.values(defines).every((v) => typeof v === 'string'))
    )
      fail(`${at}.defines must map macro names to strings, e.g. { VMX86_DEBUG: '1' }`);
  });
  return config as CodegenConfig;
}
