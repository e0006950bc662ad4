/**
 * Conditional inclusion (`src/preprocessor/conditionals.ts`) on its own, one behaviour per test:
 * the `#if` stack and the evaluation of an `#if` line.
 */
import { describe, expect, it } from 'vitest';
import type { Token } from '../src/lexer.js';
import {
  ConditionalStack,
  evaluateCondition,
  resolveDefined,
} from '../src/preprocessor/conditionals.js';
import { getTargetProfile } from '../src/targets.js';
import { codegenErrorOf, lexLine, lexToken } from './helpers.js';

const ifToken = lexToken('if');
const elif = lexToken('elif');
const otherwise = lexToken('else');
const endif = lexToken('endif');
const yes = () => true;
const no = () => false;

/** A stack with a log of its `beforeChange` calls. */
function stack(): { conditionals: ConditionalStack; changes: string[] } {
  const changes: string[] = [];
  return { conditionals: new ConditionalStack(() => changes.push('change')), changes };
}

describe('ConditionalStack', () => {
  it('is active outside any conditional', () => {
    expect(stack().conditionals.active).toBe(true);
  });

  it('compiles the first true branch only', () => {
    const { conditionals } = stack();
    conditionals.if(ifToken, no);
    expect(conditionals.active).toBe(false);
    conditionals.elif(elif, yes);
    expect(conditionals.active).toBe(true);
    conditionals.else(otherwise);
    expect(conditionals.active).toBe(false);
  });

  it('does not evaluate an #elif once a branch was taken', () => {
    const { conditionals } = stack();
    conditionals.if(ifToken, yes);
    conditionals.elif(elif, () => {
      throw new Error('evaluated');
    });
    expect(conditionals.active).toBe(false);
  });

  it('evaluates nothing inside an inactive block', () => {
    const { conditionals } = stack();
    conditionals.if(ifToken, no);
    let evaluated = 0;
    conditionals.if(ifToken, () => ++evaluated > 0);
    conditionals.elif(elif, () => ++evaluated > 0);
    conditionals.else(otherwise);
    expect(evaluated).toBe(0);
    expect(conditionals.active).toBe(false);
  });

  it('is active again after #endif', () => {
    const { conditionals } = stack();
    conditionals.if(ifToken, no);
    conditionals.endif(endif);
    expect(conditionals.active).toBe(true);
  });

  it('ends the pending text before a condition and when an active branch ends only', () => {
    const { conditionals, changes } = stack();
    conditionals.if(ifToken, no); // before the condition
    conditionals.else(otherwise); // the #if branch was not active: nothing to end
    conditionals.endif(endif); // the #else branch was
    expect(changes).toEqual(['change', 'change']);
  });

  it('refuses #else after #else', () => {
    const { conditionals } = stack();
    conditionals.if(ifToken, yes);
    conditionals.else(otherwise);
    const error = codegenErrorOf(() => conditionals.else(otherwise));
    expect(error.code).toBe('ERR_CODEGEN_UNBALANCED_CONDITIONAL');
    expect(error.message).toMatch(/'#else' after '#else'/);
  });

  it('refuses #elif and #endif without #if', () => {
    expect(codegenErrorOf(() => stack().conditionals.elif(elif, yes)).message).toMatch(
      /'#elif' without '#if'/,
    );
    expect(codegenErrorOf(() => stack().conditionals.endif(endif)).code).toBe(
      'ERR_CODEGEN_UNBALANCED_CONDITIONAL',
    );
  });

  it('reports a conditional left open at its opener', () => {
    const { conditionals } = stack();
    const opener = lexLine('\n  ifdef')[0] as Token;
    conditionals.if(opener, yes);
    const error = codegenErrorOf(() => conditionals.finish());
    expect(error.code).toBe('ERR_CODEGEN_UNTERMINATED_CONDITIONAL');
    expect(error.message).toMatch(/unterminated '#ifdef'/);
  });
});

describe('evaluateCondition', () => {
  const model = getTargetProfile('linux-x64').model;
  const defined = new Set(['ONE']);
  const condition = (text: string) =>
    evaluateCondition(ifToken, lexLine(text), {
      model,
      isDefined: (name) => defined.has(name),
      expand: (tokens) => tokens,
    });

  it('is true for a nonzero value', () => {
    expect(condition('2 - 1')).toBe(true);
    expect(condition('1 - 1')).toBe(false);
  });

  it('resolves defined X and defined ( X )', () => {
    expect(condition('defined ONE && defined(ONE)')).toBe(true);
    expect(condition('defined TWO')).toBe(false);
  });

  it('reads an identifier left after expansion as 0', () => {
    expect(condition('UNKNOWN == 0')).toBe(true);
  });

  it('computes in intmax_t/uintmax_t: -1 < 0u is false', () => {
    expect(condition('-1 < 0u')).toBe(false);
  });

  it('expands the line between two resolutions of defined', () => {
    const seen: string[] = [];
    evaluateCondition(ifToken, lexLine('defined ONE'), {
      model,
      isDefined: () => true,
      expand: (tokens) => {
        seen.push(tokens.map((t) => t.text).join(' '));
        return tokens;
      },
    });
    expect(seen).toEqual(['1']);
  });

  it('refuses an empty condition', () => {
    expect(codegenErrorOf(() => condition('')).message).toMatch(/'#if' with no expression/);
  });

  it('refuses a token after a complete expression', () => {
    expect(codegenErrorOf(() => condition('1 2')).message).toMatch(
      /missing binary operator before '2'/,
    );
  });
});

describe('resolveDefined', () => {
  const isDefined = (name: string) => name === 'A';

  it('replaces defined(A) by 1 and keeps the other tokens', () => {
    expect(resolveDefined(lexLine('x + defined(A)'), { isDefined }).map((t) => t.text)).toEqual([
      'x',
      '+',
      '1',
    ]);
  });

  it("refuses defined( without ')'", () => {
    expect(
      codegenErrorOf(() => resolveDefined(lexLine('defined(A'), { isDefined })).message,
    ).toMatch(/missing '\)' after 'defined'/);
  });

  it('refuses defined without a name', () => {
    expect(
      codegenErrorOf(() => resolveDefined(lexLine('defined 1'), { isDefined })).message,
    ).toMatch(/'defined' needs a macro name/);
  });
});
