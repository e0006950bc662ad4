/**
 * A cursor over a token list: look-ahead, `accept`/`expect` with C-like messages, and the bound
 * on how deep the recursive-descent parsers may nest.
 */
import { errorAt, type Token } from './lexer.js';

/** How deep expressions and declarators may nest (C requires 63; real headers use a handful). */
const maxNesting = 256;

/** A cursor over a token list, shared by the expression and declaration parsers. */
export class TokenCursor {
  position = 0;
  /** Current nesting depth, shared by the expression and declaration parsers. */
  depth = 0;
  constructor(
    readonly tokens: readonly Token[],
    /** Where to point errors when the list ends early. */
    readonly end: Token,
  ) {}
  peek(offset = 0): Token | undefined {
    return this.tokens[this.position + offset];
  }
  atEnd(): boolean {
    return this.position >= this.tokens.length;
  }
  next(): Token {
    const token = this.tokens[this.position];
    if (!token) throw errorAt(this.end, 'ERR_CODEGEN_SYNTAX', 'unexpected end of input');
    this.position++;
    return token;
  }
  is(text: string, offset = 0): boolean {
    const token = this.peek(offset);
    return (
      token !== undefined && token.text === text && token.kind !== 'string' && token.kind !== 'char'
    );
  }
  accept(text: string): Token | undefined {
    if (this.is(text)) return this.next();
    return undefined;
  }
  /**
   * Runs `parse` one nesting level deeper, refusing to go past `maxNesting` (deep input would
   * otherwise overflow the stack of the recursive-descent parsers).
   */
  nested<T>(at: Token, what: string, parse: () => T): T {
    if (++this.depth > maxNesting) {
      throw errorAt(
        at,
        'ERR_CODEGEN_NESTING_LIMIT',
        `${what} nested more than ${maxNesting} levels deep`,
      );
    }
    try {
      return parse();
    } finally {
      this.depth--;
    }
  }
  expect(text: string, what?: string): Token {
    const token = this.peek();
    if (!token || !this.is(text)) {
      const at = token ?? this.end;
      throw errorAt(
        at,
        'ERR_CODEGEN_SYNTAX',
        `expected '${text}'${what ? ` ${what}` : ''}${token ? ` before '${token.text}'` : ' at end of input'}`,
      );
    }
    return this.next();
  }
}
