/**
 * Conditional inclusion (C11 6.10.1): the `#if`/`#ifdef`/`#ifndef`/`#elif`/`#else`/`#endif`
 * stack of one file, and the evaluation of an `#if` line.
 */
import type { DataModel } from '../c-types.js';
import { evaluate, parseExpression } from '../expression.js';
import { errorAt, type Token } from '../lexer.js';
import { TokenCursor } from '../token-cursor.js';

interface Conditional {
  /** Whether the current branch is being compiled. */
  active: boolean;
  /** Whether any branch so far was taken. */
  taken: boolean;
  sawElse: boolean;
  /** Whether the enclosing block is active. */
  readonly parentActive: boolean;
  readonly opener: Token;
}

/**
 * The open conditionals of one file. Conditions are passed as functions: they run only where C
 * evaluates them (inside an active block, before any branch was taken).
 */
export class ConditionalStack {
  private readonly open: Conditional[] = [];

  constructor(
    /** Called before an active branch ends or a condition is evaluated (pending text is expanded). */
    private readonly beforeChange: () => void,
  ) {}

  /** Whether lines here are compiled. */
  get active(): boolean {
    return this.open.length === 0 || (this.open[this.open.length - 1] as Conditional).active;
  }

  /** `#if`, `#ifdef`, `#ifndef` (`directive` is its name token). */
  if(directive: Token, condition: () => boolean): void {
    const parentActive = this.active;
    let value = false;
    if (parentActive) {
      this.beforeChange();
      value = condition();
    }
    this.open.push({
      active: parentActive && value,
      taken: value,
      sawElse: false,
      parentActive,
      opener: directive,
    });
  }

  /** `#elif`. */
  elif(directive: Token, condition: () => boolean): void {
    const top = this.branch(directive);
    if (top.parentActive && !top.taken) {
      top.active = condition();
      top.taken = top.active;
    } else {
      top.active = false;
    }
  }

  /** `#else`. */
  else(directive: Token): void {
    const top = this.branch(directive);
    top.sawElse = true;
    top.active = top.parentActive && !top.taken;
    top.taken = true;
  }

  /** `#endif`. */
  endif(directive: Token): void {
    const top = this.open[this.open.length - 1];
    if (!top)
      throw errorAt(directive, 'ERR_CODEGEN_UNBALANCED_CONDITIONAL', "'#endif' without '#if'");
    if (top.active) this.beforeChange();
    this.open.pop();
  }

  /** At the end of the file: every conditional must be closed. */
  finish(): void {
    const open = this.open[this.open.length - 1];
    if (open) {
      throw errorAt(
        open.opener,
        'ERR_CODEGEN_UNTERMINATED_CONDITIONAL',
        `unterminated '#${open.opener.text}': add the missing '#endif'`,
      );
    }
  }

  /** The conditional that `#elif`/`#else` continues, after the active branch (if any) ended. */
  private branch(directive: Token): Conditional {
    const top = this.open[this.open.length - 1];
    if (!top)
      throw errorAt(
        directive,
        'ERR_CODEGEN_UNBALANCED_CONDITIONAL',
        `'#${directive.text}' without '#if'`,
      );
    if (top.sawElse)
      throw errorAt(
        directive,
        'ERR_CODEGEN_UNBALANCED_CONDITIONAL',
        `'#${directive.text}' after '#else'`,
      );
    if (top.active) this.beforeChange();
    return top;
  }
}

/** What evaluating an `#if` line needs from the preprocessor. */
export interface ConditionContext {
  readonly model: DataModel;
  isDefined(name: string): boolean;
  /** Macro-expands the line, leaving the operands of `defined` alone. */
  expand(tokens: readonly Token[]): readonly Token[];
}

/** Evaluates the expression of `#if`/`#elif` (C11 6.10.1p4): nonzero is true. */
export function evaluateCondition(
  directive: Token,
  tokens: readonly Token[],
  context: ConditionContext,
): boolean {
  // `defined` is resolved before expansion (and again after, as GCC does for macros that produce it).
  const resolved = resolveDefined(context.expand(resolveDefined(tokens, context)), context);
  const expanded = resolved.map((token) =>
    // Identifiers left after expansion are 0 (C11 6.10.1p4).
    token.kind === 'identifier' ? { ...token, kind: 'number' as const, text: '0' } : token,
  );
  if (expanded.length === 0)
    throw errorAt(directive, 'ERR_CODEGEN_SYNTAX', `'#${directive.text}' with no expression`);
  const cursor = new TokenCursor(expanded, expanded[expanded.length - 1] as Token);
  const expr = parseExpression(cursor, context.model, undefined, true);
  if (!cursor.atEnd()) {
    const extra = cursor.peek() as Token;
    throw errorAt(
      extra,
      'ERR_CODEGEN_SYNTAX',
      `missing binary operator before '${extra.text}' in '#${directive.text}'`,
    );
  }
  return evaluate(expr, { model: context.model, preprocessor: true }).value !== 0n;
}

/** Replaces `defined X` and `defined ( X )` by `1` or `0`. */
export function resolveDefined(
  list: readonly Token[],
  macros: Pick<ConditionContext, 'isDefined'>,
): Token[] {
  const resolved: Token[] = [];
  for (let i = 0; i < list.length; i++) {
    const token = list[i] as Token;
    if (token.kind === 'identifier' && token.text === 'defined') {
      let nameToken = list[i + 1];
      let skip = 1;
      if (nameToken?.text === '(') {
        nameToken = list[i + 2];
        if (list[i + 3]?.text !== ')')
          throw errorAt(token, 'ERR_CODEGEN_SYNTAX', "missing ')' after 'defined'");
        skip = 3;
      }
      if (nameToken?.kind !== 'identifier') {
        throw errorAt(token, 'ERR_CODEGEN_SYNTAX', "'defined' needs a macro name");
      }
      resolved.push({
        ...token,
        kind: 'number',
        text: macros.isDefined(nameToken.text) ? '1' : '0',
      });
      i += skip;
      continue;
    }
    resolved.push(token);
  }
  return resolved;
}
