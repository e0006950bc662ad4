/**
 * `vmci`: the command line. `main(argv, io)` runs one command in-process and returns its exit
 * code, so tests run every command exactly as the binary does (with a testkit transport).
 */
import { readFileSync } from 'node:fs';
import { errorCodeOf, VmciError } from '@vmci/sockets';
import { parseCommandArgs } from './args.js';
import type { CommandContext } from './command.js';
import { commandHelp, generalHelp } from './help.js';
import { type CliIo, UsageError } from './io.js';
import { findCommand } from './registry.js';

export const version: string = JSON.parse(
  readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
).version;

export interface MainOptions {
  /** The transport commands use (default: the kernel's). Tests pass a testkit endpoint's. */
  readonly transport?: CommandContext['transport'];
  /** Stops serving commands (listen --keep, proxy, recv --keep, bench --serve). */
  readonly signal?: AbortSignal;
}

/** Runs `vmci <argv>`; resolves to the exit code (0 ok, 1 failed, 2 usage error). */
export async function main(
  argv: readonly string[],
  io: CliIo,
  options: MainOptions = {},
): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === undefined) {
      io.stderr(generalHelp());
      return 2;
    }
    if (name === '--help' || name === '-h' || name === 'help') {
      const topic = rest[0] === undefined ? undefined : findCommand(rest[0]);
      io.stdout(topic ? commandHelp(topic) : generalHelp());
      return 0;
    }
    if (name === '--version' || name === '-v') {
      io.stdout(`${version}\n`);
      return 0;
    }
    const command = findCommand(name);
    if (!command)
      throw new UsageError(`vmci: unknown command '${name}'; run 'vmci --help' for the list`);
    const context: CommandContext = {
      io,
      ...(options.transport ? { transport: options.transport } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    };
    if (command.passThrough) {
      const module = await command.load();
      return await module.run({ positionals: rest, values: {} }, context);
    }
    const parsed = parseCommandArgs(command, rest);
    if (parsed.help) {
      io.stdout(commandHelp(command));
      return 0;
    }
    const module = await command.load();
    return await module.run(parsed, context);
  } catch (error) {
    return reportError(io, error);
  }
}

function reportError(io: CliIo, error: unknown): number {
  if (UsageError.isInstance(error)) {
    io.stderr(`${error.message}\n`);
    return error.exitCode;
  }
  if (isAbortError(error)) {
    // SIGINT/SIGTERM (the binary's signal) stopped a command mid-way; its reason is a
    // DOMException whose `code` is a number, not one of ours.
    io.stderr('vmci: ABORT_ERR: stopped by a signal before it finished; run it again to finish\n');
    return 1;
  }
  const code = errorCodeOf(error);
  const message = error instanceof Error ? error.message : String(error);
  io.stderr(`vmci: ${code ? `${code}: ` : ''}${message}\n`);
  // Every vmci error says its exit code (2 for bad addresses and arguments); others failed
  // while running.
  if (VmciError.isInstance(error)) return error.exitCode;
  const exitCode = (error as { exitCode?: unknown } | null | undefined)?.exitCode;
  return exitCode === 2 ? 2 : 1;
}

function isAbortError(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}
