/**
 * Constant expressions in macro bodies: literal types (C11 6.4.4.1), conversions, casts, shifts,
 * sizeof and the conditional operator, per target data model. Each expectation is worked out by
 * hand from the C rules noted next to it.
 */
import { describe, expect, it } from 'vitest';
import { buildModel, type HeaderModel } from '../src/model.js';
import type { TargetName } from '../src/targets.js';

const lp64: readonly TargetName[] = ['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64'];

function model(
  text: string,
  target: TargetName = 'linux-x64',
  macroParamType?: 'int',
): HeaderModel {
  return buildModel({
    path: 'expr.h',
    text,
    target,
    ...(macroParamType ? { macroParamType } : {}),
  });
}

/** [value, C type] of `#define X <expression>`. */
function constant(expression: string, target: TargetName = 'linux-x64', prelude = '') {
  const built = model(`${prelude}\n#define X ${expression}\n`, target);
  const found = built.constants.find((c) => c.name === 'X');
  if (!found) {
    const skip = built.skipped.find((s) => s.name === 'X');
    throw new Error(`X was not translated: ${skip?.reason}`);
  }
  return [found.value, found.ctype];
}

function skipOf(expression: string, target: TargetName = 'linux-x64') {
  const built = model(`#define X ${expression}\n`, target);
  expect(built.constants.map((c) => c.name)).not.toContain('X');
  return built.skipped.find((s) => s.name === 'X');
}

describe('integer literal types', () => {
  it('types a hex literal above INT_MAX as unsigned int', () => {
    expect(constant('0x81032058')).toEqual([0x81032058n, 'unsigned int']);
    expect(constant('0x80000000')).toEqual([2147483648n, 'unsigned int']);
  });

  it('types INT_MAX as int', () => {
    expect(constant('2147483647')).toEqual([2147483647n, 'int']);
    expect(constant('0x7fffffff')).toEqual([2147483647n, 'int']);
  });

  it.each(lp64)('types decimal 2147483648 as long on %s (LP64)', (target) => {
    // Unsuffixed decimal: int, long, long long — never unsigned. long is 64-bit here.
    expect(constant('2147483648', target)).toEqual([2147483648n, 'long']);
    expect(constant('4294967295', target)).toEqual([4294967295n, 'long']);
  });

  it('types decimal 2147483648 as long long on win32-x64 (LLP64: long is 32-bit)', () => {
    expect(constant('2147483648', 'win32-x64')).toEqual([2147483648n, 'long long']);
    expect(constant('4294967295', 'win32-x64')).toEqual([4294967295n, 'long long']);
  });

  it('types hex 0x100000000 as long on LP64 and long long on LLP64', () => {
    // Hex: int, unsigned int, long, unsigned long, long long. 2^32 needs 33 bits.
    expect(constant('0x100000000', 'linux-x64')).toEqual([4294967296n, 'long']);
    expect(constant('0x100000000', 'win32-x64')).toEqual([4294967296n, 'long long']);
  });

  it('honours the u suffix', () => {
    expect(constant('4294967295u')).toEqual([4294967295n, 'unsigned int']);
    // u: unsigned int, unsigned long, unsigned long long.
    expect(constant('4294967296u', 'linux-x64')).toEqual([4294967296n, 'unsigned long']);
    expect(constant('4294967296u', 'win32-x64')).toEqual([4294967296n, 'unsigned long long']);
  });

  it('honours l, ul, ll and ull suffixes in any case and order', () => {
    expect(constant('1L')).toEqual([1n, 'long']);
    expect(constant('1UL')).toEqual([1n, 'unsigned long']);
    expect(constant('1lu')).toEqual([1n, 'unsigned long']);
    expect(constant('1LL')).toEqual([1n, 'long long']);
    expect(constant('1ull')).toEqual([1n, 'unsigned long long']);
  });

  it('reads octal literals', () => {
    expect(constant('010')).toEqual([8n, 'int']);
    expect(constant('0')).toEqual([0n, 'int']);
    expect(constant('0777')).toEqual([511n, 'int']);
  });

  it('skips a malformed number with a syntax reason', () => {
    expect(skipOf('08')?.code).toBe('ERR_CODEGEN_SYNTAX');
    expect(skipOf('1uu')?.code).toBe('ERR_CODEGEN_SYNTAX');
  });

  it('skips a floating-point constant', () => {
    expect(skipOf('1.5')?.code).toBe('ERR_CODEGEN_NOT_CONSTANT');
  });
});

describe('unary minus and conversions', () => {
  it('wraps -1U to UINT_MAX', () => {
    // 1U is unsigned int; -1U is 2^32 - 1.
    expect(constant('-1U')).toEqual([4294967295n, 'unsigned int']);
  });

  it('keeps -1 and -1L signed', () => {
    expect(constant('-1')).toEqual([-1n, 'int']);
    expect(constant('-1L')).toEqual([-1n, 'long']);
  });

  it('wraps -1UL to the width of unsigned long on each target', () => {
    expect(constant('-1UL', 'linux-x64')).toEqual([18446744073709551615n, 'unsigned long']);
    expect(constant('-1UL', 'win32-x64')).toEqual([4294967295n, 'unsigned long']);
  });

  it('casts -1 to unsigned int as VMADDR_CID_ANY does', () => {
    expect(constant('((unsigned int)-1)')).toEqual([4294967295n, 'unsigned int']);
  });

  it('gives a cast expression the type it casts to', () => {
    // 300 mod 256 = 44; 200 - 256 = -56; 65535 - 65536 = -1.
    expect(constant('(unsigned char)300')).toEqual([44n, 'unsigned char']);
    expect(constant('(signed char)200')).toEqual([-56n, 'signed char']);
    expect(constant('(short)65535')).toEqual([-1n, 'short']);
  });

  it('promotes a narrow operand to int', () => {
    expect(constant('(unsigned char)255 + 1')).toEqual([256n, 'int']);
  });

  it('converts the signed operand to unsigned int', () => {
    // 1u + (unsigned int)-2 = 1 + 4294967294 = 4294967295.
    expect(constant('1u + -2')).toEqual([4294967295n, 'unsigned int']);
    expect(constant('0u - 1')).toEqual([4294967295n, 'unsigned int']);
  });

  it('converts long + unsigned int by the sizes of the target', () => {
    // LP64: long (64-bit) holds every unsigned int, so the result is long.
    expect(constant('1L + 1u', 'linux-x64')).toEqual([2n, 'long']);
    // LLP64: long and unsigned int are both 32-bit, so both become unsigned long.
    expect(constant('1L + 1u', 'win32-x64')).toEqual([2n, 'unsigned long']);
  });

  it('compares -1L < 0u by the target', () => {
    // LP64: compared as long, -1 < 0 is 1. LLP64: compared as unsigned long, 2^32 - 1 < 0 is 0.
    expect(constant('(-1L < 0u)', 'darwin-arm64')).toEqual([1n, 'int']);
    expect(constant('(-1L < 0u)', 'win32-x64')).toEqual([0n, 'int']);
  });

  it('types comparisons and ! as int', () => {
    expect(constant('(-1 < 0u)')).toEqual([0n, 'int']);
    expect(constant('(2 > 1u)')).toEqual([1n, 'int']);
    expect(constant('!5')).toEqual([0n, 'int']);
  });

  it('complements in the promoted type', () => {
    expect(constant('~0u')).toEqual([4294967295n, 'unsigned int']);
    expect(constant('~0')).toEqual([-1n, 'int']);
  });

  it('truncates signed division toward zero', () => {
    expect(constant('-7 / 2')).toEqual([-3n, 'int']);
    expect(constant('-7 % 2')).toEqual([-1n, 'int']);
  });
});

describe('character constants', () => {
  it("types 'V' as int 86", () => {
    expect(constant("'V'")).toEqual([86n, 'int']);
  });

  it('decodes escapes', () => {
    expect(constant("'\\n'")).toEqual([10n, 'int']);
    expect(constant("'\\x41'")).toEqual([65n, 'int']);
    expect(constant("'\\0'")).toEqual([0n, 'int']);
  });

  it("gives '\\377' the value of a plain char: signed on x86-64, unsigned on arm64 Linux", () => {
    expect(constant("'\\377'", 'linux-x64')).toEqual([-1n, 'int']);
    expect(constant("'\\377'", 'win32-x64')).toEqual([-1n, 'int']);
    expect(constant("'\\377'", 'linux-arm64')).toEqual([255n, 'int']);
  });

  it('packs multi-character constants big-endian as GCC does', () => {
    // ('A' << 8) | 'B' = 65 * 256 + 66 = 16706.
    expect(constant("'AB'")).toEqual([16706n, 'int']);
  });

  it("types L'A' as the target's wchar_t on Linux", () => {
    expect(constant("L'A'", 'linux-x64')).toEqual([65n, 'int']);
    expect(constant("L'A'", 'linux-arm64')).toEqual([65n, 'unsigned int']);
  });

  // BUG: evaluate() promotes every literal, so wchar_t (unsigned short on Windows) is reported as
  // int. C11 6.4.4.4p11: L'A' has type wchar_t, and only its use as an operand promotes it.
  it("types L'A' as unsigned short (wchar_t) on win32-x64", () => {
    expect(constant("L'A'", 'win32-x64')).toEqual([65n, 'unsigned short']);
  });
});

describe('shifts', () => {
  it('shifts in the promoted type of the left operand', () => {
    expect(constant('1 << 4')).toEqual([16n, 'int']);
    // The right operand does not take part in the conversion: 1 << 2u is int.
    expect(constant('1 << 2u')).toEqual([4n, 'int']);
    expect(constant('1u << 31')).toEqual([2147483648n, 'unsigned int']);
    expect(constant('0x80000000 >> 31')).toEqual([1n, 'unsigned int']);
  });

  it('shifts unsigned long by 40 on LP64', () => {
    expect(constant('1UL << 40', 'linux-x64')).toEqual([1099511627776n, 'unsigned long']);
  });

  it('refuses a shift count at least the width of the type (32-bit long on win32)', () => {
    expect(skipOf('1UL << 40', 'win32-x64')?.code).toBe('ERR_CODEGEN_NOT_CONSTANT');
    expect(skipOf('1 << -1')?.code).toBe('ERR_CODEGEN_NOT_CONSTANT');
  });
});

describe('sizeof and _Alignof', () => {
  it('yields size_t: unsigned long on LP64, unsigned long long on win32', () => {
    expect(constant('sizeof(int)', 'linux-x64')).toEqual([4n, 'unsigned long']);
    expect(constant('sizeof(int)', 'win32-x64')).toEqual([4n, 'unsigned long long']);
  });

  it('measures long by the data model', () => {
    expect(constant('sizeof(long)', 'darwin-x64')).toEqual([8n, 'unsigned long']);
    expect(constant('sizeof(long)', 'win32-x64')).toEqual([4n, 'unsigned long long']);
  });

  it.each([
    ['linux-x64', 16n],
    ['linux-arm64', 16n],
    ['darwin-x64', 16n],
    ['darwin-arm64', 8n],
    ['win32-x64', 8n],
  ] as const)('measures long double on %s as %d bytes', (target, size) => {
    expect(constant('sizeof(long double)', target)[0]).toBe(size);
  });

  it('measures pointers, arrays and records', () => {
    expect(constant('sizeof(void *)')[0]).toBe(8n);
    expect(constant('sizeof(char[10])')[0]).toBe(10n);
    // struct sockaddr: 2 + 14 on Linux; 1 + 1 + 14 on macOS; 2 + 14 on Windows.
    expect(constant('sizeof(struct sockaddr)', 'linux-x64', '#include <sys/socket.h>')[0]).toBe(
      16n,
    );
    expect(constant('sizeof(struct sockaddr)', 'darwin-x64', '#include <sys/socket.h>')[0]).toBe(
      16n,
    );
    expect(constant('sizeof(struct sockaddr)', 'win32-x64', '#include <winsock2.h>')[0]).toBe(16n);
  });

  it('measures string literals including the NUL', () => {
    expect(constant('sizeof "abc"')[0]).toBe(4n);
    // L"ab" is 3 wchar_t: 4 bytes each on Linux, 2 on Windows.
    expect(constant('sizeof(L"ab")', 'linux-x64')[0]).toBe(12n);
    expect(constant('sizeof(L"ab")', 'win32-x64')[0]).toBe(6n);
  });

  it('wraps size_t arithmetic below zero', () => {
    // 2 * 4 - 9 in unsigned long (64-bit) = 2^64 - 1.
    expect(constant('sizeof(int) * 2 - 9', 'linux-x64')).toEqual([
      18446744073709551615n,
      'unsigned long',
    ]);
  });

  it('measures alignment with _Alignof', () => {
    expect(constant('_Alignof(long long)')).toEqual([8n, 'unsigned long']);
    expect(constant('_Alignof(short)')).toEqual([2n, 'unsigned long']);
  });

  it('measures a typedef of the header', () => {
    expect(
      constant('sizeof(pair)', 'linux-x64', 'typedef struct { int a; char b; } pair;')[0],
    ).toBe(8n);
  });
});

describe('the conditional operator', () => {
  it('picks an arm', () => {
    expect(constant('(1 ? 2 : 3)')).toEqual([2n, 'int']);
    expect(constant('(0 ? 2 : 3)')).toEqual([3n, 'int']);
  });

  it('converts the result to the common type of both arms', () => {
    // unsigned int and int meet as unsigned int: -1 becomes 4294967295.
    expect(constant('(0 ? 1u : -1)')).toEqual([4294967295n, 'unsigned int']);
    expect(constant('(1 ? 1 : 2L)')).toEqual([1n, 'long']);
  });
});

describe('enumerations and strings', () => {
  it('numbers enumerators and lets macros use them', () => {
    const built = model('enum { A = 5, B, C = A + 10 };\n#define X (B * 2)\n');
    expect(built.constants.map((c) => [c.name, c.value, c.ctype, c.origin])).toEqual([
      ['A', 5n, 'int', 'enum'],
      ['B', 6n, 'int', 'enum'],
      ['C', 15n, 'int', 'enum'],
      ['X', 12n, 'int', 'macro'],
    ]);
  });

  it('concatenates adjacent string literals', () => {
    const built = model('#define S "ab" "cd"\n');
    const s = built.constants[0];
    expect(s && [s.kind, s.value, s.ctype]).toEqual(['string', 'abcd', 'char[5]']);
  });

  it('makes a concatenation with one wide literal wide', () => {
    const built = model('#define S L"a" "b"\n', 'win32-x64');
    const s = built.constants[0];
    expect(s?.kind === 'string' && [s.value, s.wide, s.ctype]).toEqual(['ab', true, 'wchar_t[3]']);
  });

  it('decodes hex, octal and simple escapes in strings', () => {
    const built = model('#define S "\\x41\\102\\n"\n');
    const s = built.constants[0];
    expect(s && [s.value, s.ctype]).toEqual(['AB\n', 'char[4]']);
  });

  it('skips a macro that is a function call', () => {
    expect(skipOf('foo(1)')?.code).toBe('ERR_CODEGEN_NOT_CONSTANT');
  });
});

describe('arithmetic function-like macros', () => {
  it('types the result from the parameter type (unsigned int by default)', () => {
    const built = model('#define F(x) ((x) << 2)\n#define G(x, y) ((x) * sizeof(int) + (y))\n');
    expect(built.macroFunctions.map((m) => [m.name, m.params, m.ctype])).toEqual([
      ['F', ['x'], 'unsigned int'],
      // unsigned int * unsigned long (size_t) is unsigned long on LP64.
      ['G', ['x', 'y'], 'unsigned long'],
    ]);
  });

  it('uses macroParamType for the parameters', () => {
    const built = model('#define F(x) ((x) << 2)\n', 'linux-x64', 'int');
    expect(built.macroFunctions.map((m) => m.ctype)).toEqual(['int']);
  });

  it('skips token-pasting, stringifying and calling macros', () => {
    const built = model('#define S(x) #x\n#define P(a) a ## 1\n#define C(x) foo(x)\n');
    expect(built.macroFunctions).toEqual([]);
    expect(built.skipped.map((s) => [s.name, s.kind])).toEqual([
      ['S', 'function-macro'],
      ['P', 'function-macro'],
      ['C', 'function-macro'],
    ]);
  });
});
