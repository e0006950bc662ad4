/**
 * The C preprocessor, one behaviour per test: macros, conditionals, `#if` arithmetic, includes,
 * directives and source positions.
 */
import { describe, expect, it } from 'vitest';
import { type PreprocessResult, preprocess } from '../src/preprocessor.js';
import { getTargetProfile, type TargetName } from '../src/targets.js';
import { codegenErrorOf } from './helpers.js';

function run(
  text: string,
  options: {
    target?: TargetName;
    local?: Record<string, string>;
    preInclude?: string[];
    expansionLimit?: number;
  } = {},
): PreprocessResult {
  const profile = getTargetProfile(options.target ?? 'linux-x64');
  return preprocess('main.h', text, {
    model: profile.model,
    predefined: profile.predefined,
    preInclude: options.preInclude ?? [],
    ...(options.expansionLimit ? { expansionLimit: options.expansionLimit } : {}),
    includes: {
      system: (name) => {
        const body = profile.systemHeaders[name];
        return body === undefined ? undefined : { path: `<${name}>`, text: body };
      },
      local: (name) => {
        const body = options.local?.[name];
        return body === undefined ? undefined : { path: name, text: body };
      },
    },
  });
}

/** The output tokens, separated by single spaces. */
const pp = (text: string, options?: Parameters<typeof run>[1]) =>
  run(text, options)
    .tokens.map((t) => t.text)
    .join(' ');

/** The output with no spaces at all, for comparing with C standard examples. */
const compact = (text: string) =>
  run(text)
    .tokens.map((t) => t.text)
    .join('');

const thrown = codegenErrorOf;

describe('object-like macros', () => {
  it('replaces a macro name by its body', () => {
    expect(pp('#define N 42\nint x = N;')).toBe('int x = 42 ;');
  });

  it('rescans the replacement for more macros', () => {
    expect(pp('#define A B + 1\n#define B 2\nA')).toBe('2 + 1');
  });

  it('uses the definition in force where the name is expanded', () => {
    expect(pp('#define X 1\nX\n#undef X\n#define X 2\nX')).toBe('1 2');
  });

  it('removes a macro with #undef', () => {
    expect(pp('#define X 1\n#undef X\nX')).toBe('X');
  });

  it('expands an empty macro to nothing', () => {
    expect(pp('#define EMPTY\na EMPTY b')).toBe('a b');
  });

  it('does not expand macro names inside string literals', () => {
    expect(pp('#define X 1\n"X" X')).toBe('"X" 1');
  });
});

describe('function-like macros', () => {
  it('substitutes the arguments', () => {
    expect(pp('#define ADD(a, b) ((a) + (b))\nADD(1, 2)')).toBe('( ( 1 ) + ( 2 ) )');
  });

  it('leaves the name alone when no ( follows', () => {
    expect(pp('#define F(x) x\nF; F (3)')).toBe('F ; 3');
  });

  it('keeps commas inside nested parentheses in one argument', () => {
    expect(pp('#define FIRST(a, b) a\nFIRST((1, 2), 3)')).toBe('( 1 , 2 )');
  });

  it('expands the arguments before substituting them', () => {
    expect(pp('#define ONE 1\n#define ID(x) x\nID(ONE)')).toBe('1');
  });

  it('accepts an invocation that spans lines', () => {
    expect(pp('#define ADD(a, b) a + b\nADD(1,\n    2)')).toBe('1 + 2');
  });

  it('takes an empty argument list for a macro with no parameters', () => {
    expect(pp('#define ZERO() 0\nZERO()')).toBe('0');
  });
});

describe('# and ##', () => {
  it('stringifies an argument with its spacing normalised', () => {
    expect(pp('#define S(x) #x\nS(a   +    b)')).toBe('"a + b"');
  });

  it('escapes quotes and backslashes of string literals when stringifying', () => {
    expect(pp('#define S(x) #x\nS("a\\n")')).toBe('"\\"a\\\\n\\""');
  });

  it('pastes two tokens into one', () => {
    expect(pp('#define CAT(a, b) a##b\nCAT(foo, bar) CAT(1, 2)')).toBe('foobar 12');
  });

  it('does not expand an operand of ## before pasting', () => {
    expect(pp('#define X 1\n#define CAT(a, b) a ## b\nCAT(X, Y)')).toBe('XY');
  });

  it('rescans the pasted token for macros', () => {
    expect(pp('#define XY 7\n#define CAT(a, b) a ## b\nCAT(X, Y)')).toBe('7');
  });

  it('pastes with an empty argument as a placemarker', () => {
    expect(pp('#define CAT(a, b) a ## b\nCAT(, b) CAT(a, )')).toBe('b a');
  });

  it('rejects a paste that does not form one token', () => {
    const error = thrown(() => run('#define CAT(a, b) a ## b\nCAT(+, /)'));
    expect(error.code).toBe('ERR_CODEGEN_BAD_MACRO');
  });
});

describe('variadic macros', () => {
  it('substitutes __VA_ARGS__ with the commas', () => {
    expect(pp('#define CALL(f, ...) f(__VA_ARGS__)\nCALL(g, 1, 2)')).toBe('g ( 1 , 2 )');
  });

  it('accepts no variadic arguments', () => {
    expect(pp('#define CALL(f, ...) f(__VA_ARGS__)\nCALL(g)')).toBe('g ( )');
  });

  it('stringifies __VA_ARGS__', () => {
    expect(pp('#define S(...) #__VA_ARGS__\nS(a, b)')).toBe('"a, b"');
  });
});

describe('hide sets', () => {
  it('leaves a self-referential macro as its own name', () => {
    expect(pp('#define A A\nA')).toBe('A');
  });

  it('stops mutually recursive macros', () => {
    expect(pp('#define A B\n#define B A\nA B')).toBe('A B');
  });

  it('stops a self-referential function-like macro', () => {
    expect(pp('#define f(x) x + f(x)\nf(1)')).toBe('1 + f ( 1 )');
  });

  it('stops mutually recursive function-like macros', () => {
    expect(pp('#define f(x) g(x)\n#define g(x) f(x)\nf(1)')).toBe('f ( 1 )');
  });

  it('expands a macro again inside its own argument', () => {
    expect(pp('#define g(x) [x]\ng(g(1))')).toBe('[ [ 1 ] ]');
  });

  it('gives the result of the C11 6.10.3.5 example 3', () => {
    const text = [
      '#define x 3',
      '#define f(a) f(x * (a))',
      '#undef x',
      '#define x 2',
      '#define g f',
      '#define z z[0]',
      '#define h g(~',
      '#define m(a) a(w)',
      '#define w 0,1',
      '#define t(a) a',
      '#define p() int',
      '#define q(x) x',
      '#define r(x,y) x ## y',
      '#define str(x) # x',
      'f(y+1) + f(f(z)) % t(t(g)(0) + t)(1);',
      'g(x+(3,4)-w) | h 5) & m',
      '(f)^m(m);',
    ].join('\n');
    // The result the standard gives, without white space.
    expect(compact(text)).toBe(
      'f(2*(y+1))+f(2*(f(2*(z[0]))))%f(2*(0))+t(1);' +
        'f(2*(2+(3,4)-0,1))|f(2*(~5))&f(2*(0,1))^m(0,1);',
    );
  });

  it('gives the result of the C11 6.10.3.5 example 4 (# and ##)', () => {
    const text = [
      '#define str(s) # s',
      '#define xstr(s) str(s)',
      '#define INCFILE(n) vers ## n',
      '#define glue(a, b) a ## b',
      '#define xglue(a, b) glue(a, b)',
      '#define HIGHLOW "hello"',
      '#define LOW LOW ", world"',
      'glue(HIGH, LOW);',
      'xglue(HIGH, LOW)',
      'xstr(INCFILE(2).h)',
    ].join('\n');
    expect(pp(text)).toBe('"hello" ; "hello" ", world" "vers2.h"');
  });
});

describe('#if arithmetic', () => {
  const taken = (condition: string, defines = '') =>
    pp(`${defines}#if ${condition}\nyes\n#else\nno\n#endif`) === 'yes';

  it('converts -1 to uintmax_t when compared with 0u', () => {
    // In #if every integer is intmax_t or uintmax_t: -1 becomes 2^64 - 1 > 0.
    expect(taken('-1 > 0u')).toBe(true);
  });

  it('compares -1 and 0 as signed', () => {
    expect(taken('-1 < 0')).toBe(true);
  });

  it('does not overflow at INT_MAX: #if uses intmax_t', () => {
    expect(taken('2147483647 + 1 == 2147483648')).toBe(true);
  });

  it('wraps unsigned arithmetic modulo 2^64', () => {
    expect(taken('0u - 1 == 18446744073709551615u')).toBe(true);
    expect(taken('0xFFFFFFFFFFFFFFFF == -1')).toBe(true);
  });

  it('truncates division toward zero', () => {
    expect(taken('-7 / 2 == -3 && -7 % 2 == -1 && 7 / -2 == -3')).toBe(true);
  });

  it('evaluates shifts, bitwise operators and precedence', () => {
    expect(taken('(1 << 4 | 1) == 17 && (0xF0 & 0x3C) == 0x30 && (5 ^ 3) == 6')).toBe(true);
    expect(taken('1 + 2 * 3 == 7 && (1 + 2) * 3 == 9')).toBe(true);
  });

  it('evaluates character constants', () => {
    expect(taken("'V' == 86 && '\\n' == 10 && '\\x41' == 65")).toBe(true);
  });

  it('evaluates the conditional operator', () => {
    expect(taken('(1 ? 2 : 3) == 2 && (0 ? 2 : 3) == 3')).toBe(true);
  });

  it('short-circuits && and || (no division by zero)', () => {
    expect(taken('0 && 1 / 0')).toBe(false);
    expect(taken('1 || 1 / 0')).toBe(true);
  });

  it('treats identifiers that are not macros as 0', () => {
    expect(taken('UNDEFINED_THING == 0')).toBe(true);
    expect(taken('UNDEFINED_THING')).toBe(false);
  });

  it('expands macros in the condition', () => {
    expect(taken('VERSION >= 3', '#define VERSION 4\n')).toBe(true);
  });

  it('evaluates defined NAME and defined(NAME)', () => {
    expect(taken('defined FOO && defined(FOO) && !defined(BAR)', '#define FOO\n')).toBe(true);
  });

  it('evaluates defined produced by a macro when the name is not a macro', () => {
    expect(taken('HAVE_FOO', '#define HAVE_FOO defined(FOO)\n')).toBe(false);
  });

  // BUG: the macro's expansion also expands FOO (to nothing), leaving `defined ( )`; GCC and
  // Clang evaluate `defined` produced by a macro without expanding its operand (gcc -E: true).
  it('evaluates defined produced by a macro when the name is a macro, as GCC does', () => {
    expect(taken('HAVE_FOO', '#define FOO\n#define HAVE_FOO defined(FOO)\n')).toBe(true);
  });

  it('sees the target predefined macros', () => {
    const platform = (target: TargetName) =>
      pp(
        '#if defined(_WIN32)\non_win\n#elif defined(__APPLE__)\non_mac\n' +
          '#elif defined(linux) && defined(__linux__)\non_linux\n#else\nother\n#endif',
        { target },
      );
    expect(platform('linux-x64')).toBe('on_linux');
    expect(platform('linux-arm64')).toBe('on_linux');
    expect(platform('darwin-x64')).toBe('on_mac');
    expect(platform('darwin-arm64')).toBe('on_mac');
    expect(platform('win32-x64')).toBe('on_win');
  });

  it('rejects #if with no expression', () => {
    expect(thrown(() => run('#if\n#endif')).code).toBe('ERR_CODEGEN_SYNTAX');
  });

  it('rejects a missing operator between operands', () => {
    expect(thrown(() => run('#if 1 2\n#endif')).code).toBe('ERR_CODEGEN_SYNTAX');
  });
});

describe('conditional chains', () => {
  it('takes the first true #elif', () => {
    const text = '#if 0\na\n#elif 0\nb\n#elif 1\nc\n#elif 1\nd\n#else\ne\n#endif';
    expect(pp(text)).toBe('c');
  });

  it('takes #else when nothing else was true', () => {
    expect(pp('#if 0\na\n#elif 0\nb\n#else\ne\n#endif')).toBe('e');
  });

  it('does not evaluate #elif after a taken branch', () => {
    expect(pp('#if 1\na\n#elif 1 / 0\nb\n#endif')).toBe('a');
  });

  it('handles #ifdef and #ifndef', () => {
    expect(pp('#define A\n#ifdef A\na\n#endif\n#ifndef A\nnot\n#endif\n#ifndef B\nb\n#endif')).toBe(
      'a b',
    );
  });

  it('ignores garbage directives in nested skipped blocks', () => {
    const text = [
      '#if 0',
      '#  if garbage (((',
      '#bogus directive',
      '#  elif 1 / 0',
      '#error never',
      '#  else',
      '#include <does-not-exist.h>',
      '#  endif',
      '#  ifdef',
      '#  endif',
      '#elif 0',
      'no',
      '#else',
      'ok',
      '#endif',
    ].join('\n');
    expect(pp(text)).toBe('ok');
  });

  it('does not evaluate #elif inside a skipped block', () => {
    expect(pp('#if 0\n#if 1\n#elif 1 / 0\n#endif\n#endif\nok')).toBe('ok');
  });

  it('rejects #else after #else', () => {
    const error = thrown(() => run('#if 0\n#else\n#else\n#endif'));
    expect(error.code).toBe('ERR_CODEGEN_UNBALANCED_CONDITIONAL');
    expect(error.location?.line).toBe(3);
  });

  it('rejects #elif after #else', () => {
    const error = thrown(() => run('#if 0\n#else\n#elif 1\n#endif'));
    expect(error.code).toBe('ERR_CODEGEN_UNBALANCED_CONDITIONAL');
    expect(error.location?.line).toBe(3);
  });

  it('requires each file to close its own conditionals', () => {
    const error = thrown(() =>
      run('#include "open.h"\n#endif', { local: { 'open.h': '#if 1\n' } }),
    );
    expect(error.code).toBe('ERR_CODEGEN_UNTERMINATED_CONDITIONAL');
    expect(error.location?.file).toBe('open.h');
  });
});

describe('positions', () => {
  it('keeps line numbers across multi-line comments', () => {
    const result = run('/* one\n   two\n   three */ int x;\nint y;');
    expect(result.tokens.map((t) => [t.text, t.line, t.column])).toEqual([
      ['int', 3, 13],
      ['x', 3, 17],
      [';', 3, 18],
      ['int', 4, 1],
      ['y', 4, 5],
      [';', 4, 6],
    ]);
  });

  it('keeps line numbers across line splices', () => {
    const result = run('#define LONG 1 + \\\n  2\nint \\\nz;\nq');
    expect(result.tokens.map((t) => [t.text, t.line])).toEqual([
      ['int', 3],
      ['z', 4],
      [';', 4],
      ['q', 5],
    ]);
  });

  it('joins a spliced #define into one directive', () => {
    expect(pp('#define LONG 1 + \\\n  2\nLONG')).toBe('1 + 2');
  });

  it('removes // comments, even mid-expression', () => {
    expect(pp('int a[1 + // one\n 2];')).toBe('int a [ 1 + 2 ] ;');
    expect(pp('int a; // trailing\nint b;')).toBe('int a ; int b ;');
  });

  it('replaces a comment by a space, so it separates tokens', () => {
    expect(pp('a/**/b')).toBe('a b');
  });

  it('reports errors after comments and splices at their physical line', () => {
    const error = thrown(() => run('/* a\n b */\n#define X \\\n 1\n  #  error stop here'));
    expect(error.code).toBe('ERR_CODEGEN_ERROR_DIRECTIVE');
    expect(error.location).toEqual({ file: 'main.h', line: 5, column: 6 });
    expect(error.sourceLine).toBe('  #  error stop here');
  });

  // BUG: expand() only treats __LINE__/__FILE__ as built-ins when a macro of that name exists,
  // and nothing defines one, so both stay identifiers (and are 0 in #if).
  it('expands __LINE__ to the line of use and __FILE__ to the file name', () => {
    expect(pp('\n\n__LINE__ __FILE__')).toBe('3 "main.h"');
  });

  it('positions expanded tokens at the macro use', () => {
    const result = run('#define N 42\n\n   N');
    expect(result.tokens.map((t) => [t.text, t.line, t.column])).toEqual([['42', 3, 4]]);
  });
});

describe('directives', () => {
  it('stops at #error with ERR_CODEGEN_ERROR_DIRECTIVE and the message', () => {
    const error = thrown(() => run('int a;\n#error unsupported platform'));
    expect(error.code).toBe('ERR_CODEGEN_ERROR_DIRECTIVE');
    expect(error.message).toContain('unsupported platform');
    expect(error.location).toEqual({ file: 'main.h', line: 2, column: 2 });
    expect(error.sourceLine).toBe('#error unsupported platform');
  });

  it('collects #warning without stopping', () => {
    const result = run('#warning check this\nint a;');
    expect(result.warnings).toEqual(['main.h:1: #warning check this']);
    expect(result.tokens.map((t) => t.text)).toEqual(['int', 'a', ';']);
  });

  it('rejects an unknown directive', () => {
    expect(thrown(() => run('#frobnicate')).code).toBe('ERR_CODEGEN_BAD_DIRECTIVE');
  });

  it('accepts the null directive and #line, #ident, #pragma once', () => {
    expect(pp('#\n#line 10\n#ident "x"\n#pragma once\nok')).toBe('ok');
  });

  it('includes a profile system header once thanks to its guard', () => {
    const result = run('#include <sys/socket.h>\n#include <sys/socket.h>');
    const typedefs = result.tokens.filter((t) => t.text === 'socklen_t');
    expect(typedefs).toHaveLength(1);
  });

  it('includes a header named by a macro', () => {
    expect(pp('#define H <stddef.h>\n#include H\nNULL')).toBe('( ( void * ) 0 )');
  });

  it('includes a local header through the resolver', () => {
    expect(pp('#include "local.h"\nVALUE', { local: { 'local.h': '#define VALUE 5' } })).toBe('5');
  });

  it('processes pre-included headers first', () => {
    expect(pp('_IO(7, 0xb9)', { preInclude: ['sys/ioctl.h'] })).not.toContain('_IO');
  });

  it('rejects a self-including header at the depth limit', () => {
    const error = thrown(() =>
      run('#include "self.h"', { local: { 'self.h': '#include "self.h"' } }),
    );
    expect(error.code).toBe('ERR_CODEGEN_INCLUDE_DEPTH');
  });

  it('hands #pragma pack to the parser', () => {
    const tokens = run('#pragma pack(push, 1)').tokens.map((t) => t.text);
    expect(tokens.slice(1)).toEqual(['(', 'push', ',', '1', ')']);
  });

  it('rejects a function-like macro with a duplicate parameter', () => {
    expect(thrown(() => run('#define F(a, a) a')).code).toBe('ERR_CODEGEN_BAD_MACRO');
  });

  it('rejects ## at the edge of a replacement list', () => {
    expect(thrown(() => run('#define F(a) ## a')).code).toBe('ERR_CODEGEN_BAD_MACRO');
  });

  it('rejects defined as a macro name', () => {
    expect(thrown(() => run('#define defined 1')).code).toBe('ERR_CODEGEN_BAD_MACRO');
  });

  it('stops runaway expansion at the configured limit', () => {
    const lines = ['#define A0 x'];
    for (let i = 1; i <= 20; i++) lines.push(`#define A${i} A${i - 1} A${i - 1}`);
    lines.push('int y[A20];');
    const error = thrown(() => run(lines.join('\n'), { expansionLimit: 10_000 }));
    expect(error.code).toBe('ERR_CODEGEN_EXPANSION_LIMIT');
    // `int y[A20];` is line 22; A20 is column 7.
    expect(error.location).toEqual({ file: 'main.h', line: 22, column: 7 });
    expect(error.sourceLine).toBe('int y[A20];');
  });
});
