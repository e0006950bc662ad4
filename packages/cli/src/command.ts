/**
 * What a `vmci` command is: a spec (name, arguments, options, examples — enough for help and
 * shell completion without loading anything) and a lazily imported implementation, so
 * `vmci --version` and `vmci --help` start without loading sockets, koffi or the testkit.
 */
import type { Transport } from '@vmci/sockets';
import type { CliIo } from './io.js';

/** One `--option`. Names are kebab-case; `value` is the placeholder shown in help. */
export interface OptionSpec {
  readonly type: 'boolean' | 'string';
  readonly description: string;
  readonly short?: string;
  readonly multiple?: boolean;
  readonly value?: string;
  /** What the shell should complete after it: files, directories or a fixed list. */
  readonly complete?: 'file' | 'directory' | readonly string[];
}

/** Options and positionals after parsing (values keep the kebab-case names of the spec). */
export interface ParsedCommand {
  readonly positionals: readonly string[];
  readonly values: Readonly<Record<string, string | boolean | readonly string[] | undefined>>;
}

/** What a command runs with. Tests pass a testkit transport; the CLI passes none (the kernel). */
export interface CommandContext {
  readonly io: CliIo;
  readonly transport?: Transport;
  /** Aborted on SIGINT/SIGTERM by the binary; commands that serve forever stop on it. */
  readonly signal?: AbortSignal;
}

export interface CommandModule {
  run(parsed: ParsedCommand, context: CommandContext): Promise<number>;
}

export interface CommandSpec {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** The argument shape after the command name, e.g. `<cid>:<port> <file>...`. */
  readonly synopsis: string;
  /** What it does, a few lines, shown by `vmci <command> --help`. */
  readonly description: string;
  readonly positionals: {
    readonly min: number;
    readonly max: number;
    /** What the shell completes for positionals: files, directories or a fixed list. */
    readonly complete?: 'file' | 'directory' | readonly string[];
  };
  readonly options: Readonly<Record<string, OptionSpec>>;
  readonly examples: readonly string[];
  /** Arguments go to the implementation unparsed (`vmci codegen …` has its own parser). */
  readonly passThrough?: boolean;
  load(): Promise<CommandModule>;
}
