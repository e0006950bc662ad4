/**
 * `vmci codegen …`: the header-codegen CLI (`vmci-codegen`), with its own arguments and help.
 *
 * The generator's emitter needs ts-morph, an optional peer dependency of @vmci/cli: a user who
 * never runs `vmci codegen` neither installs nor loads it. When it is missing, the run fails with
 * ERR_VMCI_CODEGEN_MISSING_DEPENDENCY and says what to install.
 */
import type { CliIo as CodegenIo } from '@vmci/header-codegen/cli';
import type { CommandContext, ParsedCommand } from '../command.js';
import type { CliIo } from '../io.js';

/** The ts-morph version @vmci/header-codegen is built and tested with. */
export const tsMorphVersion = '28.0.0';

/** `vmci codegen` needs ts-morph and it is not installed. */
export class CodegenDependencyError extends Error {
  readonly code = 'ERR_VMCI_CODEGEN_MISSING_DEPENDENCY';
  constructor(missing: string, options?: { cause?: unknown }) {
    super(
      `'vmci codegen' needs ${missing === 'ts-morph' ? 'ts-morph' : `${missing} (part of ts-morph)`}, an optional peer dependency of @vmci/cli that is not installed; install it next to @vmci/cli with 'npm install ts-morph@${tsMorphVersion}', or use the code generator's own package: 'npm install @vmci/header-codegen', then 'npx vmci-codegen --help'`,
      options,
    );
    this.name = 'CodegenDependencyError';
  }
}

/** The package a module-not-found error names, when it is ts-morph or one of its parts. */
function missingTsMorph(error: unknown): string | undefined {
  if ((error as { code?: unknown } | null)?.code !== 'ERR_MODULE_NOT_FOUND') return undefined;
  const name = /['"](ts-morph|@ts-morph\/[^'"/]+)['"]/.exec(String((error as Error).message));
  return name?.[1];
}

/** How `vmci codegen` reaches the generator (tests simulate a missing ts-morph). */
export type CodegenLoader = () => Promise<{
  main(argv: readonly string[], io: CodegenIo): Promise<number>;
}>;

const loadCodegen: CodegenLoader = () => import('@vmci/header-codegen/cli');

/**
 * Runs the generator's CLI with `argv`; a missing ts-morph (when loading the CLI, or when the run
 * loads the emitter) becomes a CodegenDependencyError.
 */
export async function runCodegen(
  argv: readonly string[],
  io: CliIo,
  load: CodegenLoader = loadCodegen,
): Promise<number> {
  try {
    const { main } = await load();
    return await main(argv.length === 0 ? ['--help'] : argv, {
      stdout: (text) => io.stdout(text),
      stderr: (text) => io.stderr(text),
      cwd: process.cwd(),
      program: 'vmci codegen',
    });
  } catch (error) {
    const missing = missingTsMorph(error);
    if (missing) throw new CodegenDependencyError(missing, { cause: error });
    throw error;
  }
}

export async function run(parsed: ParsedCommand, context: CommandContext): Promise<number> {
  return runCodegen(parsed.positionals, context.io);
}
