/**
 * `TokenCursor` (`src/token-cursor.ts`), one behaviour per test: look-ahead, accept/expect and the
 * nesting bound that the recursive-descent parsers share.
 */
import { describe, expect, it } from 'vitest';
import { TokenCursor } from '../src/token-cursor.js';
import { codegenErrorOf, lexLine, lexToken } from './helpers.js';

const cursorOver = (text: string) => new TokenCursor(lexLine(text), lexToken('end'));

describe('TokenCursor', () => {
  it('peeks ahead without moving', () => {
    const cursor = cursorOver('a b');
    expect(cursor.peek(1)?.text).toBe('b');
    expect(cursor.next().text).toBe('a');
  });

  it('does not take a string or char literal for punctuation', () => {
    expect(cursorOver('"("').is('"("')).toBe(false);
    expect(cursorOver('(').is('(')).toBe(true);
  });

  it('accepts a matching token only', () => {
    const cursor = cursorOver('( x');
    expect(cursor.accept(')')).toBeUndefined();
    expect(cursor.accept('(')?.text).toBe('(');
    expect(cursor.position).toBe(1);
  });

  it('says what it expected and what it found', () => {
    const error = codegenErrorOf(() => cursorOver('x').expect(';', 'after declaration'));
    expect(error.code).toBe('ERR_CODEGEN_SYNTAX');
    expect(error.message).toMatch(/expected ';' after declaration before 'x'/);
  });

  it('points at the end token when the list ends early', () => {
    const error = codegenErrorOf(() => cursorOver('').next());
    expect(error.message).toMatch(/unexpected end of input/);
  });

  it('refuses to nest more than 256 levels', () => {
    const cursor = cursorOver('x');
    const at = lexToken('x');
    const descend = (levels: number): number =>
      levels === 0 ? 0 : cursor.nested(at, 'expression', () => descend(levels - 1) + 1);
    expect(descend(256)).toBe(256);
    const error = codegenErrorOf(() => descend(257));
    expect(error.code).toBe('ERR_CODEGEN_NESTING_LIMIT');
    expect(error.message).toMatch(/expression nested more than 256 levels deep/);
  });

  it('restores the depth when a nested parse throws', () => {
    const cursor = cursorOver('x');
    expect(() =>
      cursor.nested(lexToken('x'), 'declarator', () => {
        throw new Error('inner');
      }),
    ).toThrow('inner');
    expect(cursor.depth).toBe(0);
  });
});
