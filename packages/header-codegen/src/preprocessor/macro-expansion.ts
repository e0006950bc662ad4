/**
 * Macro expansion (C11 6.10.3): object- and function-like macros with `#`, `##`, variadics and
 * Prosser's hide sets, `__LINE__`/`__FILE__`, and a cap on the tokens one expansion may produce.
 */
import { errorAt, lexFragment, type Token } from '../lexer.js';
import { HideSets } from './hide-sets.js';

export interface MacroDefinition {
  readonly name: string;
  /** Parameter names for function-like macros; undefined for object-like ones. */
  readonly params: readonly string[] | undefined;
  readonly variadic: boolean;
  readonly body: readonly Token[];
  /** The `#define` name token (for locations); undefined for predefined macros. */
  readonly token: Token | undefined;
}

/** `__LINE__` and `__FILE__`: defined in every translation unit, expanded by the expander itself. */
export const builtinMacros: readonly MacroDefinition[] = ['__LINE__', '__FILE__'].map((name) => ({
  name,
  params: undefined,
  variadic: false,
  body: [],
  token: undefined,
}));

/** Expands token lists against a macro table that the caller keeps changing (`#define`, `#undef`). */
export class MacroExpander {
  private readonly hideSets = new HideSets();
  /** Tokens produced since the current top-level expansion began. */
  private produced = 0;

  constructor(
    private readonly macros: ReadonlyMap<string, MacroDefinition>,
    /** Hard cap on tokens one top-level expansion may produce (guards against exponential macros). */
    private readonly expansionLimit: number,
  ) {}

  /**
   * Expands a token list from scratch: the expansion limit counts per top-level expansion. In a
   * condition (`inCondition`), the operand of a `defined` that a macro produced stays unexpanded.
   */
  expandTop(tokens: readonly Token[], inCondition = false): Token[] {
    this.produced = 0;
    return this.expand(tokens, undefined, inCondition);
  }

  /** Expands macros in a token list (C11 6.10.3.4, with Prosser's hide sets). */
  private expand(tokens: readonly Token[], origin?: Token, inCondition = false): Token[] {
    const stack = [...tokens].reverse();
    const result: Token[] = [];
    while (stack.length > 0) {
      const token = stack.pop() as Token;
      if (inCondition && token.kind === 'identifier' && token.text === 'defined') {
        // `defined X` / `defined ( X )` produced by a macro: keep the operand unexpanded (as GCC).
        result.push(token);
        const next = stack.pop();
        if (next) result.push(next);
        if (next?.text === '(') {
          for (let i = 0; i < 2; i++) {
            const t = stack.pop();
            if (t) result.push(t);
          }
        }
        continue;
      }
      const macro = token.kind === 'identifier' ? this.macros.get(token.text) : undefined;
      if (!macro || token.hideSet?.has(token.text)) {
        result.push(token);
        continue;
      }
      if (macro.name === '__LINE__' || macro.name === '__FILE__') {
        result.push({ ...token, ...builtin(macro.name, origin ?? token) });
        continue;
      }
      let body: Token[];
      const at = origin ?? token;
      if (macro.params === undefined) {
        const hideSet = this.hideSets.union(token.hideSet, this.hideSets.of(macro.name));
        body = macro.body.map((t) => this.withHideSet(t, hideSet, at, macro.name));
      } else {
        const next = stack[stack.length - 1];
        if (next?.text !== '(' || next.kind !== 'punctuator') {
          result.push(token);
          continue;
        }
        const invocation = collectArgs(stack, macro, token);
        const hideSet = new Set<string>([macro.name]);
        for (const name of token.hideSet ?? [])
          if (invocation.close.hideSet?.has(name)) hideSet.add(name);
        body = this.substitute(macro, invocation.args, at).map((t) =>
          this.withHideSet(t, hideSet, at, macro.name),
        );
      }
      if (body.length > 0) body[0] = { ...(body[0] as Token), spaceBefore: token.spaceBefore };
      this.produced += body.length;
      if (this.produced > this.expansionLimit) {
        throw errorAt(
          at,
          'ERR_CODEGEN_EXPANSION_LIMIT',
          `macro expansion produced more than ${this.expansionLimit} tokens (runaway macro '${macro.name}'?)`,
        );
      }
      for (let i = body.length - 1; i >= 0; i--) stack.push(body[i] as Token);
    }
    return result;
  }

  /** A body token as the expansion at `origin` produced it: located there, hidden from `hideSet`. */
  private withHideSet(
    token: Token,
    hideSet: ReadonlySet<string>,
    origin: Token,
    macro: string,
  ): Token {
    return {
      ...token,
      file: origin.file,
      line: origin.line,
      column: origin.column,
      hideSet: this.hideSets.union(token.hideSet, hideSet),
      expandedFrom: origin.expandedFrom ?? macro,
    };
  }

  /** Replaces parameters in a function-like macro's body (C11 6.10.3.1–3). */
  private substitute(macro: MacroDefinition, args: Token[][], origin: Token): Token[] {
    const params = macro.params ?? [];
    const indexOf = (token: Token | undefined): number => {
      if (token?.kind !== 'identifier') return -1;
      if (macro.variadic && token.text === '__VA_ARGS__') return params.length;
      return params.indexOf(token.text);
    };
    const result: Token[] = [];
    const body = macro.body;
    for (let i = 0; i < body.length; i++) {
      const token = body[i] as Token;
      if (token.text === '#' && token.kind === 'punctuator' && macro.params) {
        const index = indexOf(body[i + 1]);
        if (index < 0)
          throw errorAt(token, 'ERR_CODEGEN_BAD_MACRO', "'#' is not followed by a macro parameter");
        result.push(stringify(args[index] ?? [], { ...token, spaceBefore: token.spaceBefore }));
        i++;
        continue;
      }
      const index = indexOf(token);
      const nextIsPaste = body[i + 1]?.text === '##';
      const prevIsPaste = body[i - 1]?.text === '##';
      if (index >= 0) {
        const arg = args[index] ?? [];
        const replacement = nextIsPaste || prevIsPaste ? arg : this.expand(arg, origin);
        if (replacement.length === 0) {
          result.push({ ...token, kind: 'other', text: '' }); // placemarker
        } else {
          replacement.forEach((t, n) => {
            result.push(n === 0 ? { ...t, spaceBefore: token.spaceBefore } : t);
          });
        }
        continue;
      }
      result.push(token);
    }
    return pasteAll(result);
  }
}

/** Applies `##` left to right; placemarkers (empty arguments) vanish. */
function pasteAll(tokens: readonly Token[]): Token[] {
  const pasted: Token[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as Token;
    if (
      token.text === '##' &&
      token.kind === 'punctuator' &&
      pasted.length > 0 &&
      i + 1 < tokens.length
    ) {
      const left = pasted.pop() as Token;
      const right = tokens[++i] as Token;
      if (left.kind === 'other' && left.text === '') pasted.push(right);
      else if (right.kind === 'other' && right.text === '') pasted.push(left);
      else pasted.push(paste(left, right));
      continue;
    }
    pasted.push(token);
  }
  return pasted.filter((t) => !(t.kind === 'other' && t.text === ''));
}

/** `#arg`: the argument's spelling as a string literal (C11 6.10.3.2). */
export function stringify(arg: readonly Token[], at: Token): Token {
  let text = '';
  arg.forEach((token, index) => {
    if (index > 0 && token.spaceBefore) text += ' ';
    text +=
      token.kind === 'string' || token.kind === 'char'
        ? token.text.replace(/[\\"]/g, '\\$&')
        : token.text;
  });
  return { ...at, kind: 'string', text: `"${text}"` };
}

/** `left ## right`: the two spellings lexed as one token, which they must form (C11 6.10.3.3). */
export function paste(left: Token, right: Token): Token {
  const text = left.text + right.text;
  const tokens = lexFragment(text, left);
  if (tokens.length !== 1) {
    throw errorAt(
      left,
      'ERR_CODEGEN_BAD_MACRO',
      `pasting '${left.text}' and '${right.text}' does not give a valid token`,
    );
  }
  return { ...(tokens[0] as Token), spaceBefore: left.spaceBefore };
}

/**
 * Collects the arguments of a function-like macro invocation from `stack` (tokens in reverse, the
 * `(` on top), leaving the stack after the closing `)`.
 */
export function collectArgs(
  stack: Token[],
  macro: MacroDefinition,
  name: Token,
): { args: Token[][]; close: Token } {
  stack.pop(); // '('
  const args: Token[][] = [[]];
  let depth = 0;
  for (;;) {
    const token = stack.pop();
    if (!token) {
      throw errorAt(
        name,
        'ERR_CODEGEN_MACRO_ARGUMENTS',
        `unterminated argument list invoking macro '${macro.name}'`,
      );
    }
    if (token.kind === 'punctuator') {
      if (token.text === '(') depth++;
      else if (token.text === ')') {
        if (depth === 0) {
          const params = macro.params ?? [];
          const expected = params.length + (macro.variadic ? 1 : 0);
          let list = args;
          if (list.length === 1 && (list[0] as Token[]).length === 0 && expected === 0) list = [];
          if (macro.variadic && list.length === params.length) list.push([]);
          if (macro.variadic ? list.length < params.length : list.length !== expected) {
            throw errorAt(
              name,
              'ERR_CODEGEN_MACRO_ARGUMENTS',
              `macro '${macro.name}' takes ${expected} argument(s) but ${list.length} were given`,
            );
          }
          return { args: list, close: token };
        }
        depth--;
      } else if (token.text === ',' && depth === 0) {
        if (!(macro.variadic && args.length > (macro.params?.length ?? 0))) {
          args.push([]);
          continue;
        }
      }
    }
    (args[args.length - 1] as Token[]).push(token);
  }
}

function builtin(name: string, at: Token): Pick<Token, 'kind' | 'text'> {
  return name === '__LINE__'
    ? { kind: 'number', text: String(at.line) }
    : { kind: 'string', text: JSON.stringify(at.file.path) };
}
