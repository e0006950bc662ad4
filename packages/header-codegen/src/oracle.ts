/**
 * The compiler oracle: C source of `_Static_assert`s that states everything a model claims
 * (constant values and C types, struct sizes, alignments and offsets, macro-function results,
 * function signatures, predefined macros), to be compiled by a real C compiler for the target.
 */
import { spawnSync } from 'node:child_process';
import type { IntTypeName } from './c-types.js';
import { compileMacroExpression } from './macro-functions.js';
import type { HeaderModel } from './model.js';
import { getTargetProfile, type TargetName } from './targets.js';

/** Macros whose value identifies the compiler, not the ABI: not compared across compilers. */
const compilerIdentity = new Set(['__GNUC__', '__GNUC_MINOR__', '__clang__', '__STDC_HOSTED__']);
/** Macros a user-space target must not define (VMware's header branches on them). */
const mustNotDefine = ['__KERNEL__', 'VMKERNEL', 'KERNEL', '__cplusplus'];
const otherPlatforms: Record<string, string[]> = {
  linux: ['_WIN32', '__APPLE__', '__FreeBSD__'],
  darwin: ['_WIN32', 'linux', '__linux__', '__FreeBSD__'],
  win32: ['linux', '__linux__', '__APPLE__', '__FreeBSD__'],
};

/** Sample arguments for macro functions: edges of a 32-bit unsigned range and a pattern. */
const macroSamples = [0n, 1n, 0x12345678n, 0x80000000n, 0xffffffffn];

function literal(value: bigint, ctype: IntTypeName): string {
  // Cast a (long) long literal to the exact type; `_Generic` separately pins the type itself.
  const text = value < 0n ? `(${value + 1n}LL - 1LL)` : `${value}ULL`;
  return `((${ctype})${text})`;
}

function functionPointerType(
  returns: string,
  params: readonly { type: string }[],
  variadic: boolean,
): string {
  const list = params.map((p) => p.type);
  if (variadic) list.push('...');
  return `${returns} (*)(${list.length > 0 ? list.join(', ') : 'void'})`;
}

export interface OracleSourceOptions {
  /** How the check file includes the header (`"header.h"` or `<linux/vm_sockets.h>`). */
  readonly include: string;
  readonly preInclude?: readonly string[];
  /** Check the profile's predefined macros against the compiler's (with `compiler` naming it). */
  readonly checkPredefined?: 'gcc' | 'clang' | false;
}

/** C source whose compilation succeeds exactly when every claim of `model` holds. */
export function oracleSource(model: HeaderModel, options: OracleSourceOptions): string {
  const profile = getTargetProfile(model.target);
  const lines: string[] = [
    `/* Oracle for ${model.header} on ${model.target}: generated, compile with -fsyntax-only. */`,
  ];
  if (options.checkPredefined) {
    for (const [name, value] of Object.entries(profile.predefined)) {
      if (compilerIdentity.has(name)) continue;
      lines.push(
        `#if !defined(${name}) || (${name}) != (${value})`,
        `#error "profile macro ${name} differs from the compiler"`,
        '#endif',
      );
    }
    const family = profile.name.split('-')[0] as string;
    for (const name of [...mustNotDefine, ...(otherPlatforms[family] ?? [])]) {
      lines.push(
        `#ifdef ${name}`,
        `#error "the compiler defines ${name}, the profile does not"`,
        '#endif',
      );
    }
  }
  lines.push('#include <stddef.h>');
  for (const name of options.preInclude ?? []) lines.push(`#include <${name}>`);
  lines.push(`#include ${options.include}`);
  lines.push('#define VMCI_IS_TYPE(expr, T) _Generic((expr), T: 1, default: 0)');
  let n = 0;
  const check = (condition: string, what: string) => {
    n++;
    lines.push(`_Static_assert(${condition}, ${JSON.stringify(`#${n} ${what}`)});`);
  };

  for (const constant of model.constants) {
    if (constant.kind === 'integer') {
      check(
        `(${constant.name}) == ${literal(constant.value, constant.ctype)}`,
        `${constant.name} == ${constant.value}`,
      );
      check(
        `VMCI_IS_TYPE((${constant.name}), ${constant.ctype})`,
        `${constant.name} has type ${constant.ctype}`,
      );
    } else {
      const unit = constant.wide ? profile.model.sizes[profile.model.wcharType] : 1;
      const length = Number(/\[(\d+)\]$/.exec(constant.ctype)?.[1]);
      check(
        `sizeof(${constant.name}) == ${length * unit}`,
        `${constant.name} has ${length} elements of ${unit} byte(s)`,
      );
      check(`sizeof((${constant.name})[0]) == ${unit}`, `${constant.name} element size`);
    }
  }

  for (const struct of model.structs) {
    const c = struct.cName;
    check(`sizeof(${c}) == ${struct.size}`, `sizeof(${c}) == ${struct.size}`);
    check(`_Alignof(${c}) == ${struct.align}`, `_Alignof(${c}) == ${struct.align}`);
    for (const field of struct.fields) {
      check(
        `offsetof(${c}, ${field.name}) == ${field.offset}`,
        `offsetof(${c}, ${field.name}) == ${field.offset}`,
      );
      check(
        `sizeof(((${c} *)0)->${field.name}) == ${field.size}`,
        `sizeof ${c}.${field.name} == ${field.size}`,
      );
    }
  }

  for (const fn of model.macroFunctions) {
    for (const sample of macroSamples) {
      const compiled = compileMacroExpression(
        fn.expression,
        (p) => (fn.params.includes(p) ? 'arg' : undefined),
        fn.paramType,
        profile.model,
      );
      const value = new Function('arg', `return ${compiled.code};`)(sample) as bigint;
      const call = `${fn.name}(${fn.params.map(() => literal(sample, fn.paramType)).join(', ')})`;
      check(`(${call}) == ${literal(value, compiled.type)}`, `${fn.name}(${sample}) == ${value}`);
      check(`VMCI_IS_TYPE((${call}), ${compiled.type})`, `${fn.name} yields ${compiled.type}`);
    }
  }

  for (const fn of model.functions) {
    const type = functionPointerType(fn.returns, fn.params, fn.variadic);
    check(`VMCI_IS_TYPE(&${fn.name}, ${type})`, `${fn.name} is ${fn.signature}`);
  }
  lines.push('');
  return lines.join('\n');
}

/** What the C-compiler oracle found: how many sizes, offsets and values it checked and whether all matched. */
export interface OracleResult {
  readonly ok: boolean;
  /** Compiler diagnostics. */
  readonly output: string;
  readonly checks: number;
  readonly compiler: string;
}

const countChecks = (source: string) => (source.match(/_Static_assert\(/g) ?? []).length;

/** Compiles the oracle with the host's gcc against the real system headers (linux-x64 on x86-64 Linux). */
export function runGccOracle(
  source: string,
  options: { includeDirs?: readonly string[]; defines?: Readonly<Record<string, string>> } = {},
): OracleResult {
  const args = [
    '-std=gnu11',
    '-fsyntax-only',
    '-Werror=implicit-function-declaration',
    '-x',
    'c',
    '-',
  ];
  for (const dir of options.includeDirs ?? []) args.unshift(`-I${dir}`);
  for (const [name, value] of Object.entries(options.defines ?? {}))
    args.unshift(`-D${name}=${value}`);
  const result = spawnSync('gcc', args, { input: source, encoding: 'utf8' });
  if (result.error)
    return {
      ok: false,
      output: `gcc could not run: ${result.error.message}`,
      checks: 0,
      compiler: 'gcc',
    };
  return {
    ok: result.status === 0,
    output: `${result.stdout}${result.stderr}`,
    checks: countChecks(source),
    compiler: 'gcc',
  };
}

/**
 * Compiles the oracle with clang (WebAssembly build from npm, `@yowasp/clang`) for the target's
 * triple, against the profile's shim headers (`-nostdinc`): proves the layout and expression
 * semantics for that ABI, not the shims' fidelity to the vendor SDK.
 */
export async function runClangOracle(
  source: string,
  target: TargetName,
  files: Readonly<Record<string, string>>,
  options: { defines?: Readonly<Record<string, string>> } = {},
): Promise<OracleResult> {
  const profile = getTargetProfile(target);
  const { runClang } = (await import('@yowasp/clang')) as unknown as {
    runClang: (
      args: string[],
      files: Record<string, unknown>,
      options: Record<string, unknown>,
    ) => Promise<unknown>;
  };
  const tree: Record<string, unknown> = { 'check.c': source, src: { ...files } };
  const sys: Record<string, unknown> = {};
  for (const [name, text] of Object.entries(profile.systemHeaders)) {
    const parts = name.split('/');
    let dir = sys;
    for (const part of parts.slice(0, -1)) {
      dir[part] ??= {};
      dir = dir[part] as Record<string, unknown>;
    }
    dir[parts[parts.length - 1] as string] = text;
  }
  tree.sys = sys;
  let output = '';
  const decoder = new TextDecoder();
  const sink = (bytes: Uint8Array | null) => {
    if (bytes) output += decoder.decode(bytes);
  };
  const args = [
    'clang',
    `--target=${profile.triple}`,
    '-std=gnu11',
    '-fsyntax-only',
    '-nostdinc',
    '-isystem',
    'sys',
    '-Isrc',
    '-Werror=implicit-function-declaration',
  ];
  for (const [name, value] of Object.entries(options.defines ?? {}))
    args.push(`-D${name}=${value}`);
  args.push('check.c');
  // Load the compiler first without its progress chatter (the clang driver drops that option).
  await runClang(null as unknown as string[], {}, { fetchProgress: () => {} });
  try {
    await runClang(args, tree, { stdout: sink, stderr: sink });
    return {
      ok: true,
      output,
      checks: countChecks(source),
      compiler: `clang --target=${profile.triple}`,
    };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'number')
      return {
        ok: false,
        output,
        checks: countChecks(source),
        compiler: `clang --target=${profile.triple}`,
      };
    throw error;
  }
}
