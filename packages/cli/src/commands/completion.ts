/**
 * `vmci completion <bash|zsh|fish>`: prints the shell's completion script.
 */
import type { CommandContext, ParsedCommand } from '../command.js';
import { completionScript, type Shell, shells } from '../completion.js';
import { UsageError } from '../io.js';

export async function run(parsed: ParsedCommand, context: CommandContext): Promise<number> {
  const shell = parsed.positionals[0] as string;
  if (!(shells as readonly string[]).includes(shell))
    throw new UsageError(
      `vmci completion: unknown shell '${shell}'; choose one of ${shells.join(', ')}`,
    );
  context.io.stdout(completionScript(shell as Shell));
  return 0;
}
