/**
 * The operands of preprocessing directives: `#define`'s name, parameter list and body, and
 * `#include`'s file name. Each function reads a directive line's tokens and changes nothing.
 */
import { errorAt, type Token } from '../lexer.js';
import type { MacroDefinition } from './macro-expansion.js';

/** Reads `#define NAME …` (the tokens after `#define`) into a macro definition. */
export function parseDefine(name: Token, rest: readonly Token[]): MacroDefinition {
  if (name.kind !== 'identifier')
    throw errorAt(name, 'ERR_CODEGEN_BAD_MACRO', 'macro names must be identifiers');
  if (name.text === 'defined')
    throw errorAt(name, 'ERR_CODEGEN_BAD_MACRO', "'defined' cannot be used as a macro name");
  let params: string[] | undefined;
  let variadic = false;
  let body = rest;
  if (rest[0]?.text === '(' && !rest[0].spaceBefore) {
    params = [];
    let i = 1;
    for (;;) {
      const token = rest[i];
      if (!token)
        throw errorAt(
          name,
          'ERR_CODEGEN_BAD_MACRO',
          `missing ')' in parameter list of macro '${name.text}'`,
        );
      if (token.text === ')' && params.length === 0 && !variadic) {
        i++;
        break;
      }
      if (token.text === '...') {
        variadic = true;
        if (rest[i + 1]?.text !== ')')
          throw errorAt(token, 'ERR_CODEGEN_BAD_MACRO', "'...' must be the last parameter");
        i += 2;
        break;
      }
      if (token.kind !== 'identifier')
        throw errorAt(
          token,
          'ERR_CODEGEN_BAD_MACRO',
          `'${token.text}' may not appear in a macro parameter list`,
        );
      if (params.includes(token.text))
        throw errorAt(token, 'ERR_CODEGEN_BAD_MACRO', `duplicate macro parameter '${token.text}'`);
      params.push(token.text);
      const separator = rest[i + 1];
      if (separator?.text === ')') {
        i += 2;
        break;
      }
      if (separator?.text === '...') {
        // GNU named variadic `args...` is not supported: say so.
        throw errorAt(
          separator,
          'ERR_CODEGEN_BAD_MACRO',
          'named variadic parameters (GNU "args...") are not supported; use "..."',
        );
      }
      if (separator?.text !== ',')
        throw errorAt(
          separator ?? token,
          'ERR_CODEGEN_BAD_MACRO',
          `expected ',' or ')' in parameter list of macro '${name.text}'`,
        );
      i += 2;
    }
    body = rest.slice(i);
  }
  if (body[0]?.text === '##' || (body.length > 0 && body[body.length - 1]?.text === '##')) {
    throw errorAt(
      body[0]?.text === '##' ? (body[0] as Token) : (body[body.length - 1] as Token),
      'ERR_CODEGEN_BAD_MACRO',
      "'##' cannot appear at either end of a macro expansion",
    );
  }
  return { name: name.text, params, variadic, body, token: name };
}

/** The file an `#include` names: `"name"` (searched next to the includer first) or `<name>`. */
export interface IncludeName {
  readonly name: string;
  readonly angled: boolean;
}

/**
 * Reads `#include`'s operand; `expand` macro-expands it when it is neither `"…"` nor `<…>`
 * (C11 6.10.2p4).
 */
export function parseIncludeName(
  directive: Token,
  args: readonly Token[],
  expand: (tokens: readonly Token[]) => readonly Token[],
): IncludeName {
  let target = args;
  if (target[0]?.kind !== 'string' && target[0]?.text !== '<') target = expand(args);
  if (target[0]?.kind === 'string') return { name: target[0].text.slice(1, -1), angled: false };
  if (target[0]?.text === '<') {
    const close = target.findIndex((t) => t.text === '>');
    if (close < 0)
      throw errorAt(directive, 'ERR_CODEGEN_BAD_DIRECTIVE', "missing '>' in '#include'");
    return { name: spellTokens(target.slice(1, close)), angled: true };
  }
  throw errorAt(directive, 'ERR_CODEGEN_BAD_DIRECTIVE', '\'#include\' expects "FILE" or <FILE>');
}

/** Tokens as written, with one space where the source had any (`#error`, `#warning`, `<a b.h>`). */
export function spellTokens(tokens: readonly Token[]): string {
  return tokens.map((t, i) => (i > 0 && t.spaceBefore ? ' ' : '') + t.text).join('');
}
