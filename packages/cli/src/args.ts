/**
 * Argument parsing for one command, from its spec, with usage errors that say what to do.
 */
import { parseArgs } from 'node:util';
import type { CommandSpec, ParsedCommand } from './command.js';
import { UsageError } from './io.js';

const helpOption = { help: { type: 'boolean', short: 'h' } } as const;

export function parseCommandArgs(
  spec: CommandSpec,
  args: readonly string[],
): ParsedCommand & {
  help: boolean;
} {
  const options: Record<
    string,
    { type: 'boolean' | 'string'; short?: string; multiple?: boolean }
  > = { ...helpOption };
  for (const [name, option] of Object.entries(spec.options)) {
    options[name] = {
      type: option.type,
      ...(option.short ? { short: option.short } : {}),
      ...(option.multiple ? { multiple: true } : {}),
    };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`vmci ${spec.name}: ${describeParseError(error as Error, spec)}`);
  }
  const values = parsed.values as ParsedCommand['values'];
  const help = values.help === true;
  if (!help) {
    const count = parsed.positionals.length;
    const { min, max } = spec.positionals;
    if (count < min || count > max)
      throw new UsageError(
        `vmci ${spec.name}: expected ${expectation(min, max)}, got ${count}; usage: vmci ${spec.name} ${spec.synopsis}`,
      );
  }
  return { positionals: parsed.positionals, values, help };
}

function expectation(min: number, max: number): string {
  const noun = (n: number) => (n === 1 ? 'argument' : 'arguments');
  if (min === max) return `${min} ${noun(min)}`;
  if (max === Number.POSITIVE_INFINITY) return `at least ${min} ${noun(min)}`;
  return `${min} to ${max} arguments`;
}

function describeParseError(error: Error & { code?: string }, spec: CommandSpec): string {
  // node:util's messages are long and mention APIs; restate them for a person at a shell.
  const option = /'(-[^']*)'/.exec(error.message)?.[1] ?? '';
  if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION')
    return `unknown option '${option.split(' ')[0]}'; run 'vmci ${spec.name} --help' for the options`;
  if (error.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    if (/argument missing/.test(error.message)) return `${option.split(' ')[0]} needs a value`;
    return `${option.split(' ')[0]} takes no value`;
  }
  return error.message;
}

/** Reads a string option as a positive integer, or throws a usage error naming the option. */
export function positiveInteger(
  command: string,
  option: string,
  value: unknown,
  fallback?: number,
): number {
  if (value === undefined) {
    if (fallback === undefined) throw new UsageError(`vmci ${command}: --${option} is required`);
    return fallback;
  }
  const number = Number(value);
  if (typeof value !== 'string' || !Number.isSafeInteger(number) || number <= 0)
    throw new UsageError(
      `vmci ${command}: --${option} must be a positive whole number, got '${String(value)}'`,
    );
  return number;
}

/** A string option's value, or undefined. */
export function stringOption(parsed: ParsedCommand, name: string): string | undefined {
  const value = parsed.values[name];
  return typeof value === 'string' ? value : undefined;
}

/** A repeatable string option's values (empty when absent). */
export function listOption(parsed: ParsedCommand, name: string): readonly string[] {
  const value = parsed.values[name];
  if (Array.isArray(value)) return value;
  return typeof value === 'string' ? [value] : [];
}

/** An optional option read as a positive integer (undefined when absent). */
export function optionalPositiveInteger(
  command: string,
  parsed: ParsedCommand,
  option: string,
): number | undefined {
  const value = parsed.values[option];
  return value === undefined ? undefined : positiveInteger(command, option, value);
}
