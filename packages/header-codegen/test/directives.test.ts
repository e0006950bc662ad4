/**
 * Directive operands (`src/preprocessor/directives.ts`) on their own, one behaviour per test:
 * what `#define` and `#include` lines say.
 */
import { describe, expect, it } from 'vitest';
import type { Token } from '../src/lexer.js';
import { parseDefine, parseIncludeName, spellTokens } from '../src/preprocessor/directives.js';
import { codegenErrorOf, lexLine, lexToken } from './helpers.js';

/** `#define` + `line`, as parseDefine sees it. */
function define(line: string) {
  const [name, ...rest] = lexLine(line);
  return parseDefine(name as Token, rest);
}

const defineError = (line: string) => codegenErrorOf(() => define(line));

describe('parseDefine', () => {
  it('reads an object-like macro', () => {
    const macro = define('N (1 + 2)');
    expect(macro).toMatchObject({ name: 'N', params: undefined, variadic: false });
    expect(spellTokens(macro.body)).toBe('(1 + 2)');
  });

  it('reads a function-like macro only when ( touches the name', () => {
    expect(define('F(x) x').params).toEqual(['x']);
    expect(define('F (x) x').params).toBeUndefined();
  });

  it('reads an empty parameter list', () => {
    expect(define('F() 1')).toMatchObject({ params: [], variadic: false });
  });

  it('reads ... as a variadic tail', () => {
    expect(define('F(a, ...) a')).toMatchObject({ params: ['a'], variadic: true });
  });

  it('refuses ... before the last parameter', () => {
    expect(defineError('F(..., a) a').message).toMatch(/'\.\.\.' must be the last parameter/);
  });

  it('refuses GNU named variadics', () => {
    expect(defineError('F(args...) args').message).toMatch(/named variadic parameters/);
  });

  it('refuses a duplicate parameter', () => {
    expect(defineError('F(a, a) a').message).toMatch(/duplicate macro parameter 'a'/);
  });

  it('refuses a parameter list that does not close', () => {
    expect(defineError('F(a,').message).toMatch(/missing '\)' in parameter list of macro 'F'/);
    expect(defineError('F(a').message).toMatch(/expected ',' or '\)' in parameter list/);
  });

  it('refuses ## at either end of the body', () => {
    expect(defineError('F(a) ## a').code).toBe('ERR_CODEGEN_BAD_MACRO');
    expect(defineError('F(a) a ##').message).toMatch(/'##' cannot appear at either end/);
  });

  it("refuses 'defined' and non-identifiers as names", () => {
    expect(defineError('defined 1').message).toMatch(/'defined' cannot be used as a macro name/);
    expect(defineError('1 2').message).toMatch(/macro names must be identifiers/);
  });
});

describe('parseIncludeName', () => {
  const directive = lexToken('include');
  const noExpansion = (tokens: readonly Token[]) => tokens;

  it('reads a quoted name', () => {
    expect(parseIncludeName(directive, lexLine('"vm_sockets.h"'), noExpansion)).toEqual({
      name: 'vm_sockets.h',
      angled: false,
    });
  });

  it('reads an angled name, spaces included', () => {
    expect(parseIncludeName(directive, lexLine('<sys/my header.h>'), noExpansion)).toEqual({
      name: 'sys/my header.h',
      angled: true,
    });
  });

  it('expands any other operand first', () => {
    const header = lexLine('<linux/types.h>');
    expect(parseIncludeName(directive, lexLine('HEADER'), () => header)).toEqual({
      name: 'linux/types.h',
      angled: true,
    });
  });

  it("refuses '<' without '>'", () => {
    const error = codegenErrorOf(() => parseIncludeName(directive, lexLine('<a.h'), noExpansion));
    expect(error.code).toBe('ERR_CODEGEN_BAD_DIRECTIVE');
  });

  it('refuses an operand that is neither "FILE" nor <FILE>', () => {
    expect(
      codegenErrorOf(() => parseIncludeName(directive, lexLine('42'), noExpansion)).message,
    ).toMatch(/expects "FILE" or <FILE>/);
  });
});

describe('spellTokens', () => {
  it('joins tokens with one space where the source had any', () => {
    expect(spellTokens(lexLine('a   +b'))).toBe('a +b');
  });
});
