/**
 * The declaration parser (`src/parser/declaration-parser.ts`), one construct per test, on token
 * lists without a preprocessor (macros and includes are the preprocessor's tests).
 */
import { describe, expect, it } from 'vitest';
import { spellType } from '../src/c-types.js';
import {
  parseDeclarations,
  parseTypeName,
  startsTypeName,
  type TranslationUnit,
} from '../src/declarations.js';
import { lexFile, type Token } from '../src/lexer.js';
import { pragmaPackToken } from '../src/preprocessor.js';
import { getTargetProfile } from '../src/targets.js';
import { codegenErrorOf, lexToken } from './helpers.js';

const model = getTargetProfile('linux-x64').model;

/** The tokens of all lines of `text` (what the preprocessor would hand over). */
function tokens(text: string): Token[] {
  return lexFile('decl.h', text).lines.flatMap((line) => line.tokens);
}

function parse(text: string): TranslationUnit {
  const list = tokens(text);
  return parseDeclarations(list, model, list[list.length - 1] ?? lexToken(';'));
}

const parseError = (text: string) => codegenErrorOf(() => parse(text));

describe('external declarations', () => {
  it('records a struct definition with its members', () => {
    const unit = parse('struct p { int x; char y[3]; };');
    expect(unit.records.map((r) => r.name)).toEqual(['p']);
    expect(unit.records[0]?.record.fields?.map((f) => [f.name, spellType(f.type)])).toEqual([
      ['x', 'int'],
      ['y', 'char[3]'],
    ]);
  });

  it('names an anonymous struct by its typedef', () => {
    const unit = parse('typedef struct { int x; } point_t;');
    expect(unit.records[0]?.name).toBe('point_t');
    expect(unit.typedefs.has('point_t')).toBe(true);
  });

  it('refuses a typedef redefined with another type', () => {
    expect(parseError('typedef int t; typedef long t;').code).toBe('ERR_CODEGEN_REDEFINITION');
  });

  it('accepts a typedef repeated with the same type', () => {
    expect(parse('typedef int t; typedef int t;').typedefs.get('t')?.type).toEqual({
      kind: 'int',
      name: 'int',
    });
  });

  it('records a prototype with its parameters', () => {
    const [fn] = parse('int f(const char *name, ...);').functions;
    expect(fn).toMatchObject({ name: 'f', hasBody: false, isStatic: false });
    expect(fn?.type.params.map((p) => [p.name, spellType(p.type)])).toEqual([['name', 'char *']]);
    expect(fn?.type.variadic).toBe(true);
  });

  it('skips a static inline body and keeps the signature', () => {
    const [fn] = parse('static inline int f(void) { return (1); } int g;').functions;
    expect(fn).toMatchObject({ name: 'f', isStatic: true, isInline: true, hasBody: true });
  });

  it('records a variable and skips its initializer', () => {
    expect(parse('int v[2] = { 1, 2 }, w;').variables.map((v) => v.name)).toEqual(['v', 'w']);
  });

  it('reads the declarations inside extern "C" { … }', () => {
    expect(parse('extern "C" { int f(void); }').functions.map((f) => f.name)).toEqual(['f']);
  });

  it('refuses an extern "C" block that does not close', () => {
    expect(parseError('extern "C" { int f(void);').message).toMatch(/unterminated 'extern "C" \{'/);
  });

  it('checks _Static_assert as the compiler would', () => {
    expect(parse('_Static_assert(sizeof(int) == 4, "int");').records).toEqual([]);
    expect(parseError('_Static_assert(sizeof(int) == 8, "int");').message).toMatch(
      /static assertion failed/,
    );
  });
});

describe('#pragma pack', () => {
  const fieldAlign = (text: string) => parse(text).records.map((r) => r.record.maxFieldAlign);

  it('sets the maximum field alignment of records that follow', () => {
    expect(fieldAlign(`${pragmaPackToken}(2) struct a { int x; };`)).toEqual([2]);
  });

  it('restores the saved value with pop', () => {
    expect(
      fieldAlign(
        `${pragmaPackToken}(4) ${pragmaPackToken}(push, 1) struct a { int x; }; ${pragmaPackToken}(pop) struct b { int x; };`,
      ),
    ).toEqual([1, 4]);
  });

  it('ignores a value that is not 1, 2, 4, 8 or 16', () => {
    expect(fieldAlign(`${pragmaPackToken}(2) ${pragmaPackToken}(3) struct a { int x; };`)).toEqual([
      2,
    ]);
  });
});

describe('specifiers', () => {
  it('reads integer keywords in any order', () => {
    expect(parseTypeName(tokens('int unsigned long'), model, parse(''))).toEqual({
      kind: 'int',
      name: 'unsigned long',
    });
  });

  it('reads long double', () => {
    expect(parseTypeName(tokens('long double'), model, parse(''))).toEqual({
      kind: 'float',
      name: 'long double',
    });
  });

  it('refuses signed with unsigned', () => {
    expect(parseError('signed unsigned x;').message).toMatch(/both 'signed' and 'unsigned'/);
  });

  it('refuses an unknown type name with ERR_CODEGEN_UNKNOWN_TYPE', () => {
    expect(parseError('size_t n;').code).toBe('ERR_CODEGEN_UNKNOWN_TYPE');
  });

  it('refuses a struct tag reused as a union', () => {
    expect(parseError('struct s; union s *p;').message).toMatch(/different kind of tag/);
  });

  it('refuses a struct defined twice', () => {
    expect(parseError('struct s { int a; }; struct s { int a; };').message).toMatch(
      /redefinition of 'struct s'/,
    );
  });
});

describe('attributes', () => {
  const record = (text: string) => parse(text).records[0]?.record;

  it('reads packed and aligned(N) on a record', () => {
    expect(record('struct __attribute__((packed, aligned(8))) s { int a; };')).toMatchObject({
      packed: true,
      alignAttribute: 8,
    });
  });

  it('reads __declspec(align(N))', () => {
    expect(record('struct __declspec(align(16)) s { int a; };')?.alignAttribute).toBe(16);
  });

  it('reads aligned on a member', () => {
    expect(record('struct s { char c __attribute__((aligned(4))); };')?.fields?.[0]).toMatchObject({
      alignAttribute: 4,
    });
  });

  it('skips attributes it does not know', () => {
    expect(record('struct __attribute__((deprecated("x"))) s { int a; };')?.packed).toBe(false);
  });

  it('refuses an alignment that is not a power of 2', () => {
    expect(parseError('struct __attribute__((aligned(3))) s { int a; };').message).toMatch(
      /requested alignment 3 is not a positive power of 2/,
    );
  });
});

describe('enumerations', () => {
  const values = (text: string) =>
    [...parse(text).enumConstants.values()].map((c) => [c.name, c.value.value, c.value.type]);

  it('numbers enumerators from 0, continuing after an explicit value', () => {
    expect(values('enum e { A, B = 5, C };')).toEqual([
      ['A', 0n, 'int'],
      ['B', 5n, 'int'],
      ['C', 6n, 'int'],
    ]);
  });

  it('types an enumerator outside int by the first type that holds it', () => {
    expect(values('enum e { BIG = 0x80000000 };')).toEqual([['BIG', 0x80000000n, 'unsigned int']]);
  });

  it('lets an enumerator use an earlier one', () => {
    expect(values('enum e { A = 2, B = A * 3 };').at(-1)).toEqual(['B', 6n, 'int']);
  });

  it('refuses an enumerator declared twice', () => {
    expect(parseError('enum a { X }; enum b { X };').code).toBe('ERR_CODEGEN_REDEFINITION');
  });
});

describe('declarators', () => {
  const typeOf = (text: string) => spellType(parseTypeName(tokens(text), model, parse('')));

  it('reads a pointer to a function', () => {
    expect(typeOf('int (*)(char, long)')).toBe('int (*)(char, long)');
  });

  it('reads an array of pointers', () => {
    expect(typeOf('char *[4]')).toBe('char *[4]');
  });

  it('adjusts array and function parameters to pointers', () => {
    const [fn] = parse('void f(int a[3], int g(void));').functions;
    expect(fn?.type.params.map((p) => spellType(p.type))).toEqual(['int *', 'int (*)(void)']);
  });

  it('refuses a negative array size', () => {
    expect(parseError('char x[-1];').code).toBe('ERR_CODEGEN_BAD_ARRAY_SIZE');
  });

  it('refuses a name in a type name', () => {
    expect(codegenErrorOf(() => parseTypeName(tokens('int x'), model, parse(''))).message).toMatch(
      /a type name cannot declare a name/,
    );
  });

  it('refuses declarators nested too deep', () => {
    const deep = `int ${'('.repeat(300)}x${')'.repeat(300)};`;
    expect(parseError(deep).code).toBe('ERR_CODEGEN_NESTING_LIMIT');
  });
});

describe('startsTypeName', () => {
  it('knows keywords, qualifiers and the typedefs of the unit', () => {
    const unit = parse('typedef int t;');
    expect(startsTypeName(lexToken('unsigned'), unit)).toBe(true);
    expect(startsTypeName(lexToken('const'), unit)).toBe(true);
    expect(startsTypeName(lexToken('t'), unit)).toBe(true);
    expect(startsTypeName(lexToken('x'), unit)).toBe(false);
  });
});
