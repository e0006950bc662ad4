/**
 * The typed configuration that regenerates all of a repository's bindings with one command.
 */
import { CodegenError } from './errors.js';
import { type TargetName, targetNames } from './targets.js';

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

export interface CodegenConfig {
  /** Output folder, relative to the config file. */
  readonly outDir: string;
  readonly headers: readonly HeaderConfig[];
}

/** Identity function that gives a config file its types. */
export function defineConfig(config: CodegenConfig): CodegenConfig {
  return config;
}

/** Checks a loaded config's shape, with messages that name the bad entry. */
export function validateConfig(value: unknown, source: string): CodegenConfig {
  const fail = (message: string): never => {
    throw new CodegenError('ERR_CODEGEN_BAD_CONFIG', `${source}: ${message}`);
  };
  if (typeof value !== 'object' || value === null)
    fail('the default export must be a config object (use defineConfig)');
  const config = value as Partial<CodegenConfig>;
  if (typeof config.outDir !== 'string' || config.outDir === '')
    fail("'outDir' must be a non-empty string");
  if (!Array.isArray(config.headers) || config.headers.length === 0)
    fail("'headers' must be a non-empty array");
  (config.headers as HeaderConfig[]).forEach((entry, index) => {
    if (typeof entry?.header !== 'string') fail(`headers[${index}].header must be a path`);
    if (!Array.isArray(entry.targets) || entry.targets.length === 0)
      fail(`headers[${index}].targets must list targets`);
    for (const target of entry.targets) {
      if (!(targetNames as readonly string[]).includes(target)) {
        fail(
          `headers[${index}].targets has unknown target '${target}'; use one of: ${targetNames.join(', ')}`,
        );
      }
    }
  });
  return config as CodegenConfig;
}
