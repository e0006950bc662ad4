/**
 * `vmci codegen …`: the header-codegen CLI (`vmci-codegen`), with its own arguments and help.
 */
import type { CommandContext, ParsedCommand } from '../command.js';

export async function run(parsed: ParsedCommand, context: CommandContext): Promise<number> {
  // Loaded on demand: ts-morph (and TypeScript under it) costs ~0.5 s to import.
  const { main } = await import('@vmci/header-codegen/cli');
  const argv = parsed.positionals.length === 0 ? ['--help'] : parsed.positionals;
  return main(argv, {
    stdout: (text) => context.io.stdout(text),
    stderr: (text) => context.io.stderr(text),
    cwd: process.cwd(),
  });
}
