/**
 * Macro expansion (`src/preprocessor/macro-expansion.ts`) on its own, one behaviour per test: a
 * macro table built from `#define` lines and one expander, without files or directives.
 */
import { describe, expect, it } from 'vitest';
import { spellTokens } from '../src/preprocessor/directives.js';
import { HideSets } from '../src/preprocessor/hide-sets.js';
import {
  builtinMacros,
  collectArgs,
  type MacroDefinition,
  MacroExpander,
  paste,
  stringify,
} from '../src/preprocessor/macro-expansion.js';
import { codegenErrorOf, lexLine, lexToken } from './helpers.js';

/** A macro table from `NAME body` / `NAME(params) body` lines (what follows `#define`). */
function table(...defines: string[]): Map<string, MacroDefinition> {
  const macros = new Map<string, MacroDefinition>();
  for (const line of defines) {
    const [, name = '', list, body = ''] = /^(\w+)(?:\(([^)]*)\))?\s*(.*)$/.exec(line) ?? [];
    const params = list
      ?.split(',')
      .map((p) => p.trim())
      .filter((p) => p !== '');
    const variadic = params?.at(-1) === '...';
    macros.set(name, {
      name,
      params: variadic ? params?.slice(0, -1) : params,
      variadic,
      body: lexLine(body),
      token: lexToken(name),
    });
  }
  return macros;
}

/** `text` expanded with `defines`, spelled with single spaces where the result has any. */
function expand(defines: string[], text: string, limit = 100_000): string {
  return spellTokens(new MacroExpander(table(...defines), limit).expandTop(lexLine(text)));
}

describe('MacroExpander', () => {
  it('replaces an object-like macro by its body', () => {
    expect(expand(['N 4 * 2'], 'x[N]')).toBe('x[4 * 2]');
  });

  it('leaves a function-like macro name alone when no ( follows', () => {
    expect(expand(['F(x) x'], 'F + 1')).toBe('F + 1');
  });

  it('expands arguments fully before substituting them', () => {
    expect(expand(['N 7', 'F(x) (x)'], 'F(N)')).toBe('(7)');
  });

  it('substitutes __VA_ARGS__ with the trailing arguments, commas included', () => {
    expect(expand(['F(a, ...) a: __VA_ARGS__'], 'F(1, 2, 3)')).toBe('1: 2, 3');
  });

  it('does not expand a macro again inside its own expansion', () => {
    expect(expand(['foo foo + 1'], 'foo')).toBe('foo + 1');
  });

  it('stops mutual recursion with the hide set of both macros', () => {
    expect(expand(['A B', 'B A'], 'A')).toBe('A');
  });

  it('stringifies an argument with #', () => {
    expect(expand(['S(x) #x'], 'S(a  +  "b")')).toBe('"a + \\"b\\""');
  });

  it('pastes tokens with ## without expanding the operands first', () => {
    expect(expand(['N 1', 'CAT(a, b) a ## b'], 'CAT(N, 2)')).toBe('N2');
  });

  it('drops an empty argument pasted to a token', () => {
    expect(expand(['CAT(a, b) a ## b'], 'CAT(, x)')).toBe('x');
  });

  it('refuses a paste that does not form one token', () => {
    const error = codegenErrorOf(() => expand(['CAT(a, b) a ## b'], 'CAT(+, /)'));
    expect(error.code).toBe('ERR_CODEGEN_BAD_MACRO');
  });

  it('refuses the wrong number of arguments', () => {
    const error = codegenErrorOf(() => expand(['F(a, b) a'], 'F(1)'));
    expect(error.code).toBe('ERR_CODEGEN_MACRO_ARGUMENTS');
    expect(error.message).toMatch(/takes 2 argument\(s\) but 1 were given/);
  });

  it('refuses an argument list that does not close', () => {
    const error = codegenErrorOf(() => expand(['F(a) a'], 'F(1, 2'));
    expect(error.code).toBe('ERR_CODEGEN_MACRO_ARGUMENTS');
  });

  it('stops a runaway expansion at the limit', () => {
    const error = codegenErrorOf(() => expand(['A B B', 'B C C', 'C 1 1'], 'A', 5));
    expect(error.code).toBe('ERR_CODEGEN_EXPANSION_LIMIT');
  });

  it('counts the limit per top-level expansion', () => {
    const expander = new MacroExpander(table('A 1 2 3'), 4);
    expander.expandTop(lexLine('A'));
    expect(spellTokens(expander.expandTop(lexLine('A')))).toBe('1 2 3');
  });

  it('keeps the operand of a defined that a macro produced, in a condition only', () => {
    const macros = table('D defined(X)', 'X 1');
    expect(spellTokens(new MacroExpander(macros, 100).expandTop(lexLine('D'), true))).toBe(
      'defined(X)',
    );
    expect(spellTokens(new MacroExpander(macros, 100).expandTop(lexLine('D')))).toBe('defined(1)');
  });

  it('places expanded tokens at the invocation and names the outermost macro', () => {
    const [token] = new MacroExpander(table('A B', 'B 5'), 100).expandTop(lexLine('  A'));
    expect(token).toMatchObject({ text: '5', line: 1, column: 3, expandedFrom: 'A' });
  });

  it('expands __LINE__ and __FILE__ at the invocation', () => {
    const macros = new Map(builtinMacros.map((m) => [m.name, m]));
    const tokens = new MacroExpander(macros, 100).expandTop(lexLine('__LINE__ __FILE__'));
    expect(tokens.map((t) => t.text)).toEqual(['1', '"unit.h"']);
  });
});

describe('collectArgs', () => {
  const [macro] = table('F(a, b) a').values();

  it('keeps commas inside nested parentheses in one argument', () => {
    const stack = lexLine('((1, 2), 3) rest').reverse();
    const { args } = collectArgs(stack, macro as MacroDefinition, lexToken('F'));
    expect(args.map(spellTokens)).toEqual(['(1, 2)', '3']);
  });

  it('leaves the tokens after the closing parenthesis on the stack', () => {
    const stack = lexLine('(1, 2) rest').reverse();
    collectArgs(stack, macro as MacroDefinition, lexToken('F'));
    expect(stack.map((t) => t.text)).toEqual(['rest']);
  });
});

describe('stringify and paste', () => {
  it('stringify joins an argument with one space where the source had any', () => {
    expect(stringify(lexLine('a   b\\c'), lexToken('x')).text).toBe('"a b\\c"');
  });

  it('stringify escapes quotes and backslashes inside literals', () => {
    expect(stringify(lexLine('\'\\\\\' "q"'), lexToken('x')).text).toBe('"\'\\\\\\\\\' \\"q\\""');
  });

  it('paste lexes two spellings as one token', () => {
    expect(paste(lexToken('x'), lexToken('1'))).toMatchObject({ kind: 'identifier', text: 'x1' });
  });
});

describe('HideSets', () => {
  it('gives the same set for the same pair, so tokens share it', () => {
    const sets = new HideSets();
    const a = sets.of('A');
    const b = sets.of('B');
    expect(sets.union(a, b)).toBe(sets.union(a, b));
    expect([...sets.union(a, b)]).toEqual(['A', 'B']);
  });

  it('returns the second set unchanged when the first is empty or missing', () => {
    const sets = new HideSets();
    const b = sets.of('B');
    expect(sets.union(undefined, b)).toBe(b);
    expect(sets.union(new Set(), b)).toBe(b);
  });
});
