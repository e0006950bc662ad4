/**
 * A C preprocessor of our own: conditionals, includes resolved through a target profile,
 * `#define`, `#error`; macros expand in `preprocessor/macro-expansion.ts`.
 */
import type { DataModel } from './c-types.js';
import { CodegenError } from './errors.js';
import { evaluate, parseExpression, TokenCursor } from './expression.js';
import {
  type Comment,
  errorAt,
  type LogicalLine,
  lexFile,
  type SourceFile,
  type Token,
} from './lexer.js';
import {
  builtinMacros,
  type MacroDefinition,
  MacroExpander,
} from './preprocessor/macro-expansion.js';

export type { MacroDefinition };

/** Where includes come from: the target profile's system headers, and files on disk. */
export interface IncludeResolver {
  /** Resolves `<name>` (and `"name"` not found next to the includer). */
  system(name: string): { path: string; text: string } | undefined;
  /** Resolves `"name"` relative to the including file. */
  local(name: string, includer: string): { path: string; text: string } | undefined;
}

export interface PreprocessOptions {
  readonly model: DataModel;
  /** Predefined macros: name → replacement text (`"1"`). */
  readonly predefined: Readonly<Record<string, string>>;
  readonly includes: IncludeResolver;
  /** System headers processed before the main file, like `cc -include`. */
  readonly preInclude?: readonly string[];
  /** Hard cap on tokens produced by macro expansion (guards against exponential macros). */
  readonly expansionLimit?: number;
}

export interface PreprocessResult {
  /** Tokens of the whole translation unit after expansion. */
  readonly tokens: Token[];
  /** Every macro still defined at the end, in definition order. */
  readonly macros: ReadonlyMap<string, MacroDefinition>;
  /** The main file. */
  readonly mainFile: SourceFile;
  /** Comments of all files, for docs. */
  readonly comments: readonly Comment[];
  /** `#warning` texts. */
  readonly warnings: readonly string[];
  /** Expands a token list with the macros as they stand at the end of the file. */
  readonly expand: (tokens: readonly Token[]) => Token[];
}

interface Conditional {
  /** Whether the current branch is being compiled. */
  active: boolean;
  /** Whether any branch so far was taken. */
  taken: boolean;
  sawElse: boolean;
  /** Whether the enclosing block is active. */
  parentActive: boolean;
  readonly opener: Token;
}

const maxIncludeDepth = 200;
/** Name of the pseudo-token the preprocessor leaves for `#pragma pack` so the parser can honour it. */
export const pragmaPackToken = '__vmci_pragma_pack';

export function preprocess(
  mainPath: string,
  mainText: string,
  options: PreprocessOptions,
): PreprocessResult {
  const macros = new Map<string, MacroDefinition>();
  const out: Token[] = [];
  const comments: Comment[] = [];
  const warnings: string[] = [];

  const expander = new MacroExpander(macros, options.expansionLimit ?? 100_000);
  const expandTop = (tokens: readonly Token[], inCondition = false) =>
    expander.expandTop(tokens, inCondition);

  for (const [name, text] of Object.entries(options.predefined)) {
    const lexed = lexFile(`<predefined ${name}>`, text);
    macros.set(name, {
      name,
      params: undefined,
      variadic: false,
      body: lexed.lines[0]?.tokens ?? [],
      token: undefined,
    });
  }

  for (const macro of builtinMacros) macros.set(macro.name, macro);

  const mainLexed = lexFile(mainPath, mainText);

  // ---- directives ------------------------------------------------------------------------------

  const evaluateCondition = (directive: Token, tokens: Token[]): boolean => {
    // `defined` is resolved before expansion (and again after, as GCC does for macros that produce it).
    const resolveDefined = (list: Token[]): Token[] => {
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
          resolved.push({ ...token, kind: 'number', text: macros.has(nameToken.text) ? '1' : '0' });
          i += skip;
          continue;
        }
        resolved.push(token);
      }
      return resolved;
    };
    const expanded = resolveDefined(expandTop(resolveDefined(tokens), true)).map((token) =>
      // Identifiers left after expansion are 0 (C11 6.10.1p4).
      token.kind === 'identifier' ? { ...token, kind: 'number' as const, text: '0' } : token,
    );
    if (expanded.length === 0)
      throw errorAt(directive, 'ERR_CODEGEN_SYNTAX', `'#${directive.text}' with no expression`);
    const cursor = new TokenCursor(expanded, expanded[expanded.length - 1] as Token);
    const expr = parseExpression(cursor, options.model, undefined, true);
    if (!cursor.atEnd()) {
      const extra = cursor.peek() as Token;
      throw errorAt(
        extra,
        'ERR_CODEGEN_SYNTAX',
        `missing binary operator before '${extra.text}' in '#${directive.text}'`,
      );
    }
    return evaluate(expr, { model: options.model, preprocessor: true }).value !== 0n;
  };

  const define = (name: Token, rest: Token[]) => {
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
          throw errorAt(
            token,
            'ERR_CODEGEN_BAD_MACRO',
            `duplicate macro parameter '${token.text}'`,
          );
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
    macros.delete(name.text); // keep definition order
    macros.set(name.text, { name: name.text, params, variadic, body, token: name });
  };

  const processFile = (
    lexed: { file: SourceFile; lines: LogicalLine[]; comments: Comment[] },
    depth: number,
  ) => {
    for (const comment of lexed.comments) comments.push(comment);
    const conditionals: Conditional[] = [];
    const active = () =>
      conditionals.length === 0 || (conditionals[conditionals.length - 1] as Conditional).active;
    let pending: Token[] = [];
    const flush = () => {
      if (pending.length > 0) for (const token of expandTop(pending)) out.push(token);
      pending = [];
    };
    for (const line of lexed.lines) {
      const first = line.tokens[0] as Token;
      if (!(first.text === '#' && first.kind === 'punctuator')) {
        if (active()) for (const token of line.tokens) pending.push(token);
        continue;
      }
      const directive = line.tokens[1];
      if (!directive) continue; // null directive
      const args = line.tokens.slice(2);
      const name = directive.text;
      const top = conditionals[conditionals.length - 1];
      switch (name) {
        case 'if':
        case 'ifdef':
        case 'ifndef': {
          const parentActive = active();
          let value = false;
          if (parentActive) {
            flush();
            if (name === 'if') value = evaluateCondition(directive, args);
            else {
              const macro = args[0];
              if (macro?.kind !== 'identifier')
                throw errorAt(directive, 'ERR_CODEGEN_SYNTAX', `'#${name}' needs a macro name`);
              value = macros.has(macro.text) === (name === 'ifdef');
            }
          }
          conditionals.push({
            active: parentActive && value,
            taken: value,
            sawElse: false,
            parentActive,
            opener: directive,
          });
          continue;
        }
        case 'elif':
        case 'else': {
          if (!top)
            throw errorAt(
              directive,
              'ERR_CODEGEN_UNBALANCED_CONDITIONAL',
              `'#${name}' without '#if'`,
            );
          if (top.sawElse)
            throw errorAt(
              directive,
              'ERR_CODEGEN_UNBALANCED_CONDITIONAL',
              `'#${name}' after '#else'`,
            );
          if (top.active) flush();
          if (name === 'else') {
            top.sawElse = true;
            top.active = top.parentActive && !top.taken;
            top.taken = true;
          } else if (top.parentActive && !top.taken) {
            top.active = evaluateCondition(directive, args);
            top.taken = top.active;
          } else {
            top.active = false;
          }
          continue;
        }
        case 'endif':
          if (!top)
            throw errorAt(
              directive,
              'ERR_CODEGEN_UNBALANCED_CONDITIONAL',
              "'#endif' without '#if'",
            );
          if (top.active) flush();
          conditionals.pop();
          continue;
      }
      if (!active()) continue;
      flush();
      switch (name) {
        case 'define': {
          const macroName = args[0];
          if (!macroName)
            throw errorAt(directive, 'ERR_CODEGEN_BAD_MACRO', "'#define' needs a macro name");
          define(macroName, args.slice(1));
          break;
        }
        case 'undef': {
          const macroName = args[0];
          if (macroName?.kind !== 'identifier')
            throw errorAt(directive, 'ERR_CODEGEN_BAD_MACRO', "'#undef' needs a macro name");
          macros.delete(macroName.text);
          break;
        }
        case 'include':
        case 'include_next': {
          let target = args;
          if (target[0]?.kind !== 'string' && target[0]?.text !== '<') target = expandTop(args);
          let includeName: string;
          let angled: boolean;
          if (target[0]?.kind === 'string') {
            includeName = target[0].text.slice(1, -1);
            angled = false;
          } else if (target[0]?.text === '<') {
            const close = target.findIndex((t) => t.text === '>');
            if (close < 0)
              throw errorAt(directive, 'ERR_CODEGEN_BAD_DIRECTIVE', "missing '>' in '#include'");
            includeName = target
              .slice(1, close)
              .map((t, i) => (i > 0 && t.spaceBefore ? ' ' : '') + t.text)
              .join('');
            angled = true;
          } else {
            throw errorAt(
              directive,
              'ERR_CODEGEN_BAD_DIRECTIVE',
              '\'#include\' expects "FILE" or <FILE>',
            );
          }
          const found =
            (angled ? undefined : options.includes.local(includeName, lexed.file.path)) ??
            options.includes.system(includeName);
          if (!found) {
            throw errorAt(
              directive,
              'ERR_CODEGEN_INCLUDE_NOT_FOUND',
              `cannot find include file '${includeName}'; system headers come from the target profile — add it there (or pass its directory) to translate this header`,
            );
          }
          if (depth + 1 > maxIncludeDepth)
            throw errorAt(
              directive,
              'ERR_CODEGEN_INCLUDE_DEPTH',
              `#include nested more than ${maxIncludeDepth} deep (recursive include?)`,
            );
          processFile(lexFile(found.path, found.text), depth + 1);
          break;
        }
        case 'error':
          throw errorAt(directive, 'ERR_CODEGEN_ERROR_DIRECTIVE', `#error ${spell(args)}`);
        case 'warning':
          warnings.push(`${lexed.file.path}:${directive.line}: #warning ${spell(args)}`);
          break;
        case 'pragma':
          if (args[0]?.text === 'pack')
            out.push({ ...args[0], kind: 'identifier', text: pragmaPackToken }, ...args.slice(1));
          break;
        case 'line':
        case 'ident':
        case 'sccs':
          break;
        default:
          throw errorAt(
            directive,
            'ERR_CODEGEN_BAD_DIRECTIVE',
            `invalid preprocessing directive '#${name}'`,
          );
      }
    }
    flush();
    const open = conditionals[conditionals.length - 1];
    if (open) {
      throw errorAt(
        open.opener,
        'ERR_CODEGEN_UNTERMINATED_CONDITIONAL',
        `unterminated '#${open.opener.text}': add the missing '#endif'`,
      );
    }
  };

  for (const name of options.preInclude ?? []) {
    const found = options.includes.system(name);
    if (!found) {
      throw new CodegenError(
        'ERR_CODEGEN_INCLUDE_NOT_FOUND',
        `cannot find pre-included header <${name}> in the target profile`,
      );
    }
    processFile(lexFile(found.path, found.text), 1);
  }
  processFile(mainLexed, 0);
  return {
    tokens: out,
    macros,
    mainFile: mainLexed.file,
    comments,
    warnings,
    expand: (tokens) => expandTop(tokens),
  };
}

function spell(tokens: readonly Token[]): string {
  return tokens.map((t, i) => (i > 0 && t.spaceBefore ? ' ' : '') + t.text).join('');
}

export { spell as spellTokens };
