/**
 * A C preprocessor of our own: it walks the lines of each file, hands conditionals to
 * `preprocessor/conditionals.ts`, directive operands to `preprocessor/directives.ts` and text to
 * the macro expander of `preprocessor/macro-expansion.ts`; includes are resolved through a target
 * profile.
 */
import type { DataModel } from './c-types.js';
import { CodegenError } from './errors.js';
import {
  type Comment,
  errorAt,
  type LexedFile,
  lexFile,
  type SourceFile,
  type Token,
} from './lexer.js';
import { ConditionalStack, evaluateCondition } from './preprocessor/conditionals.js';
import { parseDefine, parseIncludeName, spellTokens } from './preprocessor/directives.js';
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

const maxIncludeDepth = 200;
/** Name of the pseudo-token the preprocessor leaves for `#pragma pack` so the parser can honour it. */
export const pragmaPackToken = '__vmci_pragma_pack';

export function preprocess(
  mainPath: string,
  mainText: string,
  options: PreprocessOptions,
): PreprocessResult {
  const preprocessor = new Preprocessor(options);
  const mainLexed = lexFile(mainPath, mainText);
  for (const name of options.preInclude ?? []) {
    const found = options.includes.system(name);
    if (!found) {
      throw new CodegenError(
        'ERR_CODEGEN_INCLUDE_NOT_FOUND',
        `cannot find pre-included header <${name}> in the target profile`,
      );
    }
    preprocessor.processFile(lexFile(found.path, found.text), 1);
  }
  preprocessor.processFile(mainLexed, 0);
  const { expander } = preprocessor;
  return {
    tokens: preprocessor.out,
    macros: preprocessor.macros,
    mainFile: mainLexed.file,
    comments: preprocessor.comments,
    warnings: preprocessor.warnings,
    expand: (tokens) => expander.expandTop(tokens),
  };
}

/** One translation unit's preprocessing state: the macro table, the output and what was noted. */
class Preprocessor {
  readonly macros = new Map<string, MacroDefinition>();
  readonly expander: MacroExpander;
  readonly out: Token[] = [];
  readonly comments: Comment[] = [];
  readonly warnings: string[] = [];
  /** Text lines of the active branch not yet expanded (a macro call may span lines). */
  private pending: Token[] = [];

  constructor(private readonly options: PreprocessOptions) {
    this.expander = new MacroExpander(this.macros, options.expansionLimit ?? 100_000);
    for (const [name, text] of Object.entries(options.predefined)) {
      const lexed = lexFile(`<predefined ${name}>`, text);
      this.macros.set(name, {
        name,
        params: undefined,
        variadic: false,
        body: lexed.lines[0]?.tokens ?? [],
        token: undefined,
      });
    }
    for (const macro of builtinMacros) this.macros.set(macro.name, macro);
  }

  processFile(lexed: LexedFile, depth: number): void {
    for (const comment of lexed.comments) this.comments.push(comment);
    const conditionals = new ConditionalStack(() => this.flush());
    for (const line of lexed.lines) {
      const first = line.tokens[0] as Token;
      if (!(first.text === '#' && first.kind === 'punctuator')) {
        if (conditionals.active) for (const token of line.tokens) this.pending.push(token);
        continue;
      }
      const directive = line.tokens[1];
      if (!directive) continue; // null directive
      const args = line.tokens.slice(2);
      if (this.conditional(conditionals, directive, args) || !conditionals.active) continue;
      this.flush();
      this.directive(lexed, depth, directive, args);
    }
    this.flush();
    conditionals.finish();
  }

  /** Handles a conditional directive; false when `directive` is none. */
  private conditional(conditionals: ConditionalStack, directive: Token, args: Token[]): boolean {
    const name = directive.text;
    switch (name) {
      case 'if':
        conditionals.if(directive, () => this.condition(directive, args));
        return true;
      case 'ifdef':
      case 'ifndef':
        conditionals.if(directive, () => {
          const macro = args[0];
          if (macro?.kind !== 'identifier')
            throw errorAt(directive, 'ERR_CODEGEN_SYNTAX', `'#${name}' needs a macro name`);
          return this.macros.has(macro.text) === (name === 'ifdef');
        });
        return true;
      case 'elif':
        conditionals.elif(directive, () => this.condition(directive, args));
        return true;
      case 'else':
        conditionals.else(directive);
        return true;
      case 'endif':
        conditionals.endif(directive);
        return true;
      default:
        return false;
    }
  }

  /** Handles any other directive in an active block. */
  private directive(lexed: LexedFile, depth: number, directive: Token, args: Token[]): void {
    switch (directive.text) {
      case 'define': {
        const macroName = args[0];
        if (!macroName)
          throw errorAt(directive, 'ERR_CODEGEN_BAD_MACRO', "'#define' needs a macro name");
        const macro = parseDefine(macroName, args.slice(1));
        this.macros.delete(macro.name); // keep definition order
        this.macros.set(macro.name, macro);
        return;
      }
      case 'undef': {
        const macroName = args[0];
        if (macroName?.kind !== 'identifier')
          throw errorAt(directive, 'ERR_CODEGEN_BAD_MACRO', "'#undef' needs a macro name");
        this.macros.delete(macroName.text);
        return;
      }
      case 'include':
      case 'include_next':
        this.include(lexed.file, depth, directive, args);
        return;
      case 'error':
        throw errorAt(directive, 'ERR_CODEGEN_ERROR_DIRECTIVE', `#error ${spellTokens(args)}`);
      case 'warning':
        this.warnings.push(`${lexed.file.path}:${directive.line}: #warning ${spellTokens(args)}`);
        return;
      case 'pragma':
        if (args[0]?.text === 'pack')
          this.out.push(
            { ...args[0], kind: 'identifier', text: pragmaPackToken },
            ...args.slice(1),
          );
        return;
      case 'line':
      case 'ident':
      case 'sccs':
        return;
      default:
        throw errorAt(
          directive,
          'ERR_CODEGEN_BAD_DIRECTIVE',
          `invalid preprocessing directive '#${directive.text}'`,
        );
    }
  }

  private include(includer: SourceFile, depth: number, directive: Token, args: Token[]): void {
    const { name, angled } = parseIncludeName(directive, args, (tokens) =>
      this.expander.expandTop(tokens),
    );
    const found =
      (angled ? undefined : this.options.includes.local(name, includer.path)) ??
      this.options.includes.system(name);
    if (!found) {
      throw errorAt(
        directive,
        'ERR_CODEGEN_INCLUDE_NOT_FOUND',
        `cannot find include file '${name}'; system headers come from the target profile — add it there (or pass its directory) to translate this header`,
      );
    }
    if (depth + 1 > maxIncludeDepth)
      throw errorAt(
        directive,
        'ERR_CODEGEN_INCLUDE_DEPTH',
        `#include nested more than ${maxIncludeDepth} deep (recursive include?)`,
      );
    this.processFile(lexFile(found.path, found.text), depth + 1);
  }

  private condition(directive: Token, args: readonly Token[]): boolean {
    return evaluateCondition(directive, args, {
      model: this.options.model,
      isDefined: (name) => this.macros.has(name),
      expand: (tokens) => this.expander.expandTop(tokens, true),
    });
  }

  /** Expands the pending text into the output. */
  private flush(): void {
    if (this.pending.length > 0)
      for (const token of this.expander.expandTop(this.pending)) this.out.push(token);
    this.pending = [];
  }
}
