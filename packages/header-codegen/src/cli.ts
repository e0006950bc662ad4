/**
 * `vmci-codegen`: header → TypeScript, from the command line.
 *
 *   vmci-codegen <header> --target <t>[,<t>] [--out <dir>] [--json] [--check] [-D NAME=VALUE] [--pre-include <h>]
 *   vmci-codegen --config codegen.config.ts [--check]
 */
import { basename, dirname, isAbsolute, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { CodegenError } from './errors.js';
import type { CheckResult, GeneratedFile } from './generate.js';
import { loadConfigFile } from './load-config.js';
import { findSdkHeader, sdkDirEnv, sdkInstallLocations } from './sdk.js';
import { getTargetProfile, type TargetName, targetNames } from './targets.js';
import { generatorVersion } from './version.js';

/**
 * The generator proper (ts-morph, TypeScript under it) loads only when a run needs it, so that
 * `--help` and argument errors answer at once and the CLI's other entry points stay light.
 */
const loadGenerator = async () => {
  const [generate, emit, json] = await Promise.all([
    import('./generate.js'),
    import('./emit.js'),
    import('./json.js'),
  ]);
  return { ...generate, ...emit, ...json };
};

/** The `vmci-codegen --help` text. */
export const usage = `Usage:
  vmci-codegen <header> --target <target>[,<target>...] [--out <dir>] [--check] [--json]
               [-D NAME[=VALUE]]... [--pre-include <system header>]... [--name <stem>]
  vmci-codegen --sdk [--root <prefix>] [--target <target>[,<target>...] ...]
  vmci-codegen --config <codegen.config.ts> [--check]
  vmci-codegen --help | --version

Targets: ${targetNames.join(', ')}

  --out <dir>      write one module per header x target (<stem>.<target>.ts) into <dir>
  --check          write nothing; exit 1 with a diff when the files in --out are stale
  --json           print { generator, models: [one per target] } to stdout (not with --out)
  --pre-include    process a profile system header first, like cc -include (e.g. sys/ioctl.h)
  --sdk            use the installed vmci_sockets.h (${sdkDirEnv}=<dir> overrides the search);
                   without --target, print its path
  --root <prefix>  search the install locations under <prefix> (C:\\Program Files\\... as
                   <prefix>/Program Files/...)
  --config <file>  a .ts, .mts, .mjs, .js or .json config; its paths are relative to it

Examples:
  vmci-codegen /usr/include/linux/vm_sockets.h --target linux-x64 --json --pre-include sys/ioctl.h
  vmci-codegen vmci_sockets.h --target linux-x64,darwin-arm64,win32-x64 --out src/generated
  vmci-codegen --sdk --target linux-x64 --out src/generated
  vmci-codegen --config codegen.config.ts --check

Where --sdk looks (VMware's install locations; none on ESX/ESXi):
${sdkInstallLocations.map((l) => `  ${l.folder}`).join('\n')}
`;

// SDK discovery is part of the command-line surface: `vmci doctor` imports it from here without
// loading the generator.
export * from './sdk.js';

/** Where `vmci-codegen` writes and reads: output streams, working directory and environment (replaceable in tests). */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  cwd: string;
  /** Where `VMCI_SDK_DIR` is read (default: `process.env`). */
  env?: Readonly<Record<string, string | undefined>>;
  /**
   * How the user runs this CLI (default `vmci-codegen`; `vmci codegen` through @vmci/cli): named
   * in messages and in the regenerate command written into generated files.
   */
  program?: string;
}

/** A usage error: one line, exit code 2. */
const usageError = (io: CliIo, message: string) => {
  const program = io.program ?? 'vmci-codegen';
  io.stderr(`${program}: ${message}; run '${program} --help' for the usage\n`);
  return 2;
};

type Values = ReturnType<typeof parse>['values'];

/** Flags that contradict each other, as one sentence; `undefined` when they agree. */
function contradiction(values: Values, positionals: readonly string[]): string | undefined {
  if (values.config !== undefined) {
    const extra = [
      positionals.length > 0 ? 'a header path' : undefined,
      ...(['sdk', 'root', 'target', 'out', 'json', 'define', 'pre-include', 'name'] as const)
        .filter((key) => values[key] !== undefined)
        .map((key) => `--${key}`),
    ].filter((item) => item !== undefined);
    if (extra.length > 0)
      return `--config takes headers, targets and the output folder from the config: drop ${extra.join(', ')}`;
    return undefined;
  }
  if (values.json && values.out !== undefined)
    return '--json prints the model to stdout and --out writes modules: use one of them';
  if (values.json && values.check) return '--check compares written modules: drop --json';
  if (values.root !== undefined && !values.sdk) return '--root only applies to --sdk';
  if (values.sdk && positionals.length > 0) return 'give a header path or --sdk, not both';
  if (values.sdk && values.target === undefined) {
    const extra = (['out', 'check', 'json', 'define', 'pre-include', 'name'] as const).find(
      (key) => values[key] !== undefined,
    );
    if (extra)
      return `--sdk without --target only prints the header's path: add --target to use --${extra}`;
  }
  if (values.check && values.out === undefined)
    return '--check needs --out, the folder of the modules to compare';
  return undefined;
}

/** Quotes an argument for a POSIX shell when it needs it. */
const shellQuote = (arg: string) =>
  /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, "'\\''")}'`;

/** A path as the user would type it from `cwd`: relative below it, absolute elsewhere. */
const shownPath = (cwd: string, path: string) => {
  const rel = relative(cwd, path);
  return rel === '' ? '.' : rel.startsWith('..') || isAbsolute(rel) ? path : rel;
};

/** Runs the CLI; returns the exit code (0 ok, 1 failed or stale, 2 usage error). */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    return usageError(io, (error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(usage);
    return 0;
  }
  if (values.version) {
    io.stdout(`${generatorVersion}\n`);
    return 0;
  }
  const conflict = contradiction(values, positionals);
  if (conflict) return usageError(io, conflict);
  try {
    if (values.config) return await runConfig(values.config, values.check ?? false, io);
    const header = values.sdk
      ? findSdkHeader({
          ...(values.root !== undefined ? { root: resolve(io.cwd, values.root) } : {}),
          env: io.env ?? process.env,
        })
      : positionals[0];
    if (values.sdk && !values.target) {
      io.stdout(`${header}\n`);
      return 0;
    }
    if (header === undefined || positionals.length > 1 || !values.target)
      return usageError(io, 'give one header (or --sdk) and --target, or --config');
    const targets = values.target
      .split(',')
      .map((t) => getTargetProfile(t.trim()).name as TargetName);
    const defines = Object.fromEntries(
      (values.define ?? []).map((d) => {
        const [name, ...rest] = d.split('=');
        return [name as string, rest.length > 0 ? rest.join('=') : '1'];
      }),
    );
    // The command that regenerates these files, written into them and named by --check: this
    // invocation with its paths as seen from the current folder (so that the files do not depend
    // on how a path was spelt).
    const regenerate = [
      ...(io.program ?? 'vmci-codegen').split(' '),
      ...(values.sdk
        ? [
            '--sdk',
            ...(values.root !== undefined
              ? ['--root', shownPath(io.cwd, resolve(io.cwd, values.root))]
              : []),
          ]
        : [shownPath(io.cwd, resolve(io.cwd, header))]),
      '--target',
      targets.join(','),
      ...(values['pre-include'] ?? []).flatMap((h) => ['--pre-include', h]),
      ...(values.define ?? []).flatMap((d) => ['-D', d]),
      ...(values.name ? ['--name', values.name] : []),
      ...(values.out ? ['--out', shownPath(io.cwd, resolve(io.cwd, values.out))] : []),
    ]
      .map(shellQuote)
      .join(' ');
    const { modelsFor, codegenJson, emitModule, moduleFileName, checkFiles, writeFiles } =
      await loadGenerator();
    const models = modelsFor({
      path: resolve(io.cwd, header),
      targets,
      defines,
      preInclude: values['pre-include'] ?? [],
      ...(values.name ? { name: values.name } : {}),
    });
    for (const model of models) {
      for (const skip of model.skipped)
        io.stderr(
          `note: ${model.target}: skipped ${skip.name} (line ${skip.line}): ${skip.reason}\n`,
        );
      for (const warning of model.warnings) io.stderr(`warning: ${warning}\n`);
    }
    if (values.json) {
      io.stdout(`${codegenJson(models)}\n`);
      return 0;
    }
    const files: GeneratedFile[] = models.map((m) => ({
      name: moduleFileName(m.header, m.target),
      text: emitModule(m, { regenerate }),
    }));
    if (!values.out) {
      for (const file of files) io.stdout(`// ---- ${file.name}\n${file.text}`);
      return 0;
    }
    const outDir = resolve(io.cwd, values.out);
    if (values.check) return reportCheck(checkFiles(outDir, files), regenerate, io);
    writeFiles(outDir, files);
    io.stderr(`wrote ${files.length} file(s) to ${outDir}\n`);
    return 0;
  } catch (error) {
    if (CodegenError.isInstance(error)) {
      io.stderr(`vmci-codegen: ${error.code}: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      target: { type: 'string', short: 't' },
      out: { type: 'string', short: 'o' },
      check: { type: 'boolean' },
      json: { type: 'boolean' },
      config: { type: 'string', short: 'c' },
      define: { type: 'string', short: 'D', multiple: true },
      'pre-include': { type: 'string', multiple: true },
      name: { type: 'string' },
      sdk: { type: 'boolean' },
      root: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'V' },
    },
  });
}

async function runConfig(configArg: string, check: boolean, io: CliIo): Promise<number> {
  const configPath = resolve(io.cwd, configArg);
  const config = await loadConfigFile(configPath);
  const { generateFiles, checkFiles, writeFiles } = await loadGenerator();
  const configDir = dirname(configPath);
  // In the files: the command as run in the config's folder (the same wherever it was run from).
  const regenerate =
    config.regenerate ??
    `${io.program ?? 'vmci-codegen'} --config ${shellQuote(basename(configPath))}`;
  const files = generateFiles(config, configDir, { regenerate });
  const outDir = resolve(configDir, config.outDir);
  if (check)
    return reportCheck(
      checkFiles(outDir, files),
      config.regenerate ?? `vmci-codegen --config ${shellQuote(shownPath(io.cwd, configPath))}`,
      io,
    );
  writeFiles(outDir, files);
  io.stderr(`wrote ${files.length} file(s) to ${outDir}\n`);
  return 0;
}

function reportCheck(result: CheckResult, regenerate: string, io: CliIo): number {
  if (!result.stale) {
    io.stderr('generated files are current\n');
    return 0;
  }
  io.stdout(`${result.report}\n`);
  io.stderr(
    `vmci-codegen: ERR_CODEGEN_STALE_OUTPUT: generated files are stale; run \`${regenerate}\` and commit the result\n`,
  );
  return 1;
}

const invokedDirectly =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (invokedDirectly) {
  const code = await main(process.argv.slice(2), {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    cwd: process.cwd(),
  });
  process.exitCode = code;
}
