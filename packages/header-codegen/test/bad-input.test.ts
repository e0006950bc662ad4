/**
 * Bad headers give a CodegenError with a stable code, the location of the offending token and the
 * text of its line — never another exception type, a hang, or a silently wrong model.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CodegenError, type CodegenErrorCode } from '../src/errors.js';
import { buildModel, type HeaderModel } from '../src/model.js';
import { preprocess } from '../src/preprocessor.js';
import { getTargetProfile, type TargetName } from '../src/targets.js';
import { codegenErrorOf } from './helpers.js';

function build(text: string, target: TargetName = 'linux-x64', preInclude?: string[]): HeaderModel {
  return buildModel({ path: 'bad.h', text, target, ...(preInclude ? { preInclude } : {}) });
}

const errorOf = (fn: () => unknown) =>
  codegenErrorOf(fn, 'expected a CodegenError, but the header was accepted');

/** Expects `text` to fail with `code` at line:column, quoting that line. */
function expectError(
  text: string,
  code: CodegenErrorCode,
  line: number,
  column: number,
  target: TargetName = 'linux-x64',
): CodegenError {
  const error = errorOf(() => build(text, target));
  expect(error.code).toBe(code);
  expect(error.location).toEqual({ file: 'bad.h', line, column });
  expect(error.sourceLine).toBe(text.split('\n')[line - 1]);
  expect(error.message).toContain(`bad.h:${line}:${column}: `);
  return error;
}

describe('conditionals', () => {
  it('points an unterminated #if at the #if', () => {
    expectError('#define A 1\n#if A\nint x;\n', 'ERR_CODEGEN_UNTERMINATED_CONDITIONAL', 2, 2);
  });

  it('points at the innermost #if left open', () => {
    expectError('#if 1\n#if 1\n#endif\n', 'ERR_CODEGEN_UNTERMINATED_CONDITIONAL', 1, 2);
    expectError('#if 1\n#  ifdef X\n', 'ERR_CODEGEN_UNTERMINATED_CONDITIONAL', 2, 4);
  });

  it('rejects #endif without #if', () => {
    expectError('int a;\n#endif\n', 'ERR_CODEGEN_UNBALANCED_CONDITIONAL', 2, 2);
  });

  it('rejects #else and #elif without #if', () => {
    expectError('#else\n', 'ERR_CODEGEN_UNBALANCED_CONDITIONAL', 1, 2);
    expectError('\n#elif 1\n', 'ERR_CODEGEN_UNBALANCED_CONDITIONAL', 2, 2);
  });

  it('rejects #ifdef without a name', () => {
    expectError('#ifdef\n#endif\n', 'ERR_CODEGEN_SYNTAX', 1, 2);
  });
});

describe('comments and literals', () => {
  it('points an unterminated comment at its start', () => {
    expectError('int a;\n  /* open\nint b;\n', 'ERR_CODEGEN_UNTERMINATED_COMMENT', 2, 3);
  });

  it('points an unterminated comment inside a directive at its start', () => {
    expectError('#define X 1 /* never closed\n', 'ERR_CODEGEN_UNTERMINATED_COMMENT', 1, 13);
  });
});

describe('macros', () => {
  it('rejects mutually recursive macros used as an array size', () => {
    // `struct s { char x[A]; };` — A is column 19.
    expectError(
      '#define A B\n#define B A\nstruct s { char x[A]; };\n',
      'ERR_CODEGEN_RECURSIVE_MACRO',
      3,
      19,
    );
  });

  it('rejects a self-referential macro used as an array size', () => {
    expectError('#define N N\nstruct s { char x[N]; };\n', 'ERR_CODEGEN_RECURSIVE_MACRO', 2, 19);
  });

  it('rejects too few macro arguments at the macro name', () => {
    // `int x[F(1)];` — F is column 7.
    expectError('#define F(a, b) a\nint x[F(1)];\n', 'ERR_CODEGEN_MACRO_ARGUMENTS', 2, 7);
  });

  it('rejects too many macro arguments', () => {
    expectError('#define F(a, b) a\nint x[F(1, 2, 3)];\n', 'ERR_CODEGEN_MACRO_ARGUMENTS', 2, 7);
  });

  it('rejects an argument for a macro with no parameters', () => {
    expectError('#define G() 1\nint x[G(2)];\n', 'ERR_CODEGEN_MACRO_ARGUMENTS', 2, 7);
  });

  it('rejects wrong argument counts in #if', () => {
    expectError('#define F(a, b) a\n#if F(1)\n#endif\n', 'ERR_CODEGEN_MACRO_ARGUMENTS', 2, 5);
  });

  it('rejects an argument list cut off by the end of the file', () => {
    expectError('#define F(a) a\nint x = F(1\n', 'ERR_CODEGEN_MACRO_ARGUMENTS', 2, 9);
  });

  it('rejects a parameter list without its )', () => {
    expectError('#define F(a, b\n', 'ERR_CODEGEN_BAD_MACRO', 1, 14);
  });

  it('rejects an invalid ## result', () => {
    // `int x = CAT(+, /);` — the left operand + is column 13.
    expectError('#define CAT(a, b) a ## b\nint x = CAT(+, /);\n', 'ERR_CODEGEN_BAD_MACRO', 2, 13);
  });

  // A hang guard, not a performance claim (timings live in `pnpm bench`): the per-expansion
  // limit stops the bomb after 100 000 tokens, well under a second on an idle machine; without
  // it the expansion would run for hours. The bound leaves room for a loaded CI machine.
  it('rejects an exponential macro with ERR_CODEGEN_EXPANSION_LIMIT, without hanging', () => {
    // A30 would expand to 2^30 tokens.
    const lines = ['#define A0 x'];
    for (let i = 1; i <= 30; i++) lines.push(`#define A${i} A${i - 1} A${i - 1}`);
    lines.push('int y[A30];');
    // `int y[A30];` is line 32; A30 is column 7.
    expectError(lines.join('\n'), 'ERR_CODEGEN_EXPANSION_LIMIT', 32, 7);
  });
});

describe('constant expressions', () => {
  it('rejects division by zero in #if at the operator', () => {
    expectError('#if 1 / 0\n#endif\n', 'ERR_CODEGEN_DIVISION_BY_ZERO', 1, 7);
  });

  it('rejects remainder by zero in #elif', () => {
    expectError('#if 0\n#elif 5 % (2 - 2)\n#endif\n', 'ERR_CODEGEN_DIVISION_BY_ZERO', 2, 9);
  });

  it('rejects division by zero in an array size at the operator', () => {
    // `struct s { char x[4 % (2 - 2)]; };` — % is column 21.
    expectError('struct s { char x[4 % (2 - 2)]; };\n', 'ERR_CODEGEN_DIVISION_BY_ZERO', 1, 21);
  });

  it('rejects division by zero from a macro at the macro use', () => {
    expectError(
      '#define N (8 / 0)\nstruct s { char x[N]; };\n',
      'ERR_CODEGEN_DIVISION_BY_ZERO',
      2,
      19,
    );
  });

  // Compilers accept a header whose unused macro divides by zero; the generator reports it as a
  // skip with the error code (and a config run fails on it as a new skip).
  it('reports a macro that divides by zero as a skip with its error code', () => {
    expect(build('#define BAD (1 / 0)\n').skipped).toEqual([
      expect.objectContaining({ name: 'BAD', code: 'ERR_CODEGEN_DIVISION_BY_ZERO', line: 1 }),
    ]);
  });

  it('rejects a division by zero where a constant is required', () => {
    expectError('#define BAD (1 / 0)\nchar x[BAD];\n', 'ERR_CODEGEN_DIVISION_BY_ZERO', 2, 8);
  });

  it('rejects a negative array size at the [', () => {
    expectError('struct s { char x[2 - 3]; };\n', 'ERR_CODEGEN_BAD_ARRAY_SIZE', 1, 18);
  });

  it('rejects an array size that wrapped to a huge unsigned value', () => {
    // sizeof(int) - 5 is size_t: 4 - 5 wraps to 2^64 - 1.
    expectError('struct s { char x[sizeof(int) - 5]; };\n', 'ERR_CODEGEN_BAD_ARRAY_SIZE', 1, 18);
  });

  it('rejects a failed _Static_assert', () => {
    expectError('_Static_assert(sizeof(int) == 8, "int");\n', 'ERR_CODEGEN_SYNTAX', 1, 1);
  });
});

describe('declarations', () => {
  it('rejects an unknown type name in a struct at the name', () => {
    // `struct s { u32 x; };` — u32 is column 12.
    expectError('struct s { u32 x; };\n', 'ERR_CODEGEN_UNKNOWN_TYPE', 1, 12);
  });

  it('rejects an unknown return type', () => {
    expectError('int a;\nsize_t length(void);\n', 'ERR_CODEGEN_UNKNOWN_TYPE', 2, 1);
  });

  it('rejects a struct redefinition at the tag', () => {
    expectError('struct s { int a; };\nstruct s { int b; };\n', 'ERR_CODEGEN_REDEFINITION', 2, 8);
  });

  it('rejects a file cut off inside a struct at its last token', () => {
    // `\tunsigned int svm_po` — svm_po is column 15 (the tab is column 1).
    const text = 'struct sockaddr_vm {\n\tunsigned short svm_family;\n\tunsigned int svm_po';
    expectError(text, 'ERR_CODEGEN_SYNTAX', 3, 15);
  });

  it('rejects a file cut off after the opening brace', () => {
    expectError('struct s {', 'ERR_CODEGEN_SYNTAX', 1, 10);
  });

  it('points a truncated real header at its still-open include guard', () => {
    const path = '/usr/include/linux/vm_sockets.h';
    const full = readFileSync(path, 'utf8');
    const cut = full.slice(0, full.indexOf('unsigned int svm_cid;'));
    const lines = cut.split('\n');
    const guard = lines.findIndex((l) => l.startsWith('#ifndef _VM_SOCKETS_H')) + 1;
    expect(guard).toBeGreaterThan(0);
    const error = errorOf(() =>
      buildModel({ path, text: cut, target: 'linux-x64', preInclude: ['sys/ioctl.h'] }),
    );
    expect(error.code).toBe('ERR_CODEGEN_UNTERMINATED_CONDITIONAL');
    expect(error.location).toEqual({ file: path, line: guard, column: 2 });
    expect(error.sourceLine).toBe('#ifndef _VM_SOCKETS_H');
  });
});

describe('includes and directives', () => {
  it('rejects a missing system header at the #include', () => {
    expectError('int a;\n#include <nonexistent.h>\n', 'ERR_CODEGEN_INCLUDE_NOT_FOUND', 2, 2);
  });

  it('rejects a missing local header', () => {
    expectError('#include "missing.h"\n', 'ERR_CODEGEN_INCLUDE_NOT_FOUND', 1, 2);
  });

  it('rejects a POSIX header on Windows, where the profile has none', () => {
    expectError('#include <sys/socket.h>\n', 'ERR_CODEGEN_INCLUDE_NOT_FOUND', 1, 2, 'win32-x64');
  });

  it('rejects a missing pre-included header', () => {
    const error = errorOf(() => build('int a;\n', 'linux-x64', ['nonexistent.h']));
    expect(error.code).toBe('ERR_CODEGEN_INCLUDE_NOT_FOUND');
  });

  it('stops at #error with its text', () => {
    const error = expectError(
      '#if !defined(_WIN32)\n#error Windows only\n#endif\n',
      'ERR_CODEGEN_ERROR_DIRECTIVE',
      2,
      2,
    );
    expect(error.message).toContain('Windows only');
  });

  it('rejects an unknown directive', () => {
    expectError('#inclde <stddef.h>\n', 'ERR_CODEGEN_BAD_DIRECTIVE', 1, 2);
  });

  it('rejects an unknown target', () => {
    const error = errorOf(() => buildModel({ path: 'a.h', text: '', target: 'linux-riscv64' }));
    expect(error.code).toBe('ERR_CODEGEN_UNKNOWN_TARGET');
  });
});

/** Known bugs: each should give a CodegenError (or the C answer) but does not yet. */
describe('inputs that escape as other exception types', () => {
  const rejects = (text: string) => () => {
    expect(CodegenError.isInstance(captured(() => build(text)))).toBe(true);
  };
  function captured(fn: () => unknown): unknown {
    try {
      fn();
    } catch (error) {
      return error;
    }
    return undefined;
  }

  // C: "hex escape sequence out of range" for a narrow string; the macro is reported as a skip.
  it('reports a string escape out of range for char as a skip', () => {
    expect(build('#define S "\\x110000"\n').skipped).toEqual([
      expect.objectContaining({
        name: 'S',
        code: 'ERR_CODEGEN_SYNTAX',
        reason: expect.stringMatching(/out of range/),
      }),
    ]);
  });

  it(
    'rejects a string escape out of range where it is used',
    rejects('char x[sizeof "\\x100"];\n'),
  );

  // BUG: translateMacroFunction (model.ts) parses an expansion that is empty; TokenCursor's end
  // token is undefined and errorAt throws TypeError. C accepts this header.
  it('accepts a function-like macro whose body expands to nothing', () => {
    const model = build('#define EMPTY\n#define F(x) EMPTY\n');
    expect(model.macroFunctions).toEqual([]);
  });

  // BUG: recursive-descent parsers overflow the stack on deep nesting (RangeError).
  it(
    'rejects 100 000 nested parentheses in #if',
    rejects(`#if ${'('.repeat(100_000)}1${')'.repeat(100_000)}\n#endif\n`),
  );

  // BUG: `out.push(...expand(pending))` and `comments.push(...lexed.comments)` (preprocessor.ts)
  // spread arrays of more than ~120 000 elements into call arguments (RangeError).
  // Large inputs: seconds on a loaded machine; the guard is for a hang, not for speed.
  it('accepts 200 000 empty declarations', () => {
    expect(build(';\n'.repeat(200_000)).structs).toEqual([]);
  });

  it('accepts 200 000 comments', () => {
    expect(build('/**/'.repeat(200_000)).constants).toEqual([]);
  });

  // BUG: String.fromCodePoint(...codes) spreads one argument per character (RangeError).
  it('accepts a 300 000-character string literal', () => {
    const model = build(`#define S "${'a'.repeat(300_000)}"\n`);
    expect(model.constants[0]?.ctype).toBe('char[300001]');
  });
});

describe('inputs that give silently wrong models', () => {
  const rejectsOr = (text: string, check: (model: HeaderModel) => void) => () => {
    let model: HeaderModel;
    try {
      model = build(text);
    } catch (error) {
      expect(CodegenError.isInstance(error)).toBe(true);
      return;
    }
    check(model);
  };

  // BUG: GCC and Clang reject aligned(3) ("requested alignment is not a positive power of 2");
  // the generator lays the member out at offset 3.
  it(
    'rejects an alignment that is not a power of two',
    rejectsOr('struct s { char c; int i __attribute__((aligned(3))); };\n', () => {
      throw new Error('accepted aligned(3)');
    }),
  );

  // BUG: GCC, Clang and MSVC ignore #pragma pack(3) with a warning, giving i @4 and size 8; the
  // generator caps alignment at 3 (i @3, size 9).
  it(
    'ignores #pragma pack(3) as the compilers do',
    rejectsOr('#pragma pack(3)\nstruct s { char c; int i; };\n', (model) => {
      expect(model.structs[0]?.fields.map((f) => f.offset)).toEqual([0, 4]);
      expect(model.structs[0]?.size).toBe(8);
    }),
  );

  // BUG: layout sizes are JS numbers, exact only to 2^53. (2^31 - 1)^2 = 4611686014132420609
  // bytes is below PTRDIFF_MAX, so GCC accepts it; the model says 4611686014132420600.
  it(
    'sizes a record above 2^53 bytes exactly or rejects it',
    rejectsOr(
      'struct a { char x[0x7fffffff]; };\nstruct b { struct a y[0x7fffffff]; };\n',
      (model) => {
        expect(BigInt(model.structs[1]?.size ?? 0)).toBe(4611686014132420609n);
      },
    ),
  );

  // BUG: 0x7fffffffffffffff + 1 does not fit in any enumerator type; GCC: "overflow in
  // enumeration values". The model gives B = 9223372036854775808 typed `long`.
  it(
    'rejects an enumerator that overflows',
    rejectsOr('enum { A = 0x7fffffffffffffff, B };\n', (model) => {
      throw new Error(`accepted B = ${model.constants[1]?.value}`);
    }),
  );

  // BUG: each buildModel evaluation of a macro adds to one expansion counter shared with the
  // whole file, so a header of ~1000 chained macros (#define Cn (Cn-1 + 1)) fails with
  // ERR_CODEGEN_EXPANSION_LIMIT after ~45 s. Shown here on the shared `expand` directly.
  it('limits each expansion, not the sum over all macros of a header', () => {
    const result = preprocess('t.h', '#define THREE x x x\n', {
      model: getTargetProfile('linux-x64').model,
      predefined: {},
      includes: { system: () => undefined, local: () => undefined },
      expansionLimit: 10,
    });
    const name = result.macros.get('THREE')?.token;
    if (!name) throw new Error('no macro');
    // Each expansion produces 3 tokens, well under the limit of 10.
    for (let i = 0; i < 5; i++) expect(result.expand([name])).toHaveLength(3);
  });
});
