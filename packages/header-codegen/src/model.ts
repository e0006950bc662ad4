/**
 * The model of one header for one target: what `--json` prints and what the emitter writes.
 */
import { createHash } from 'node:crypto';
import {
  type CType,
  type DataModel,
  type IntTypeName,
  resolveType,
  spellParams,
  spellType,
} from './c-types.js';
import {
  parseDeclarations,
  parseTypeName,
  startsTypeName,
  type TranslationUnit,
} from './declarations.js';
import { docFor } from './docs.js';
import { CodegenError, type CodegenErrorCode } from './errors.js';
import { type Expr, evaluate, parseExpression } from './expression.js';
import { koffiTypeOf } from './koffi-types.js';
import { computeLayout, sizeAndAlign } from './layout.js';
import type { SourceFile, Token } from './lexer.js';
import { type IncludeResolver, type MacroDefinition, preprocess } from './preprocessor.js';
import { getTargetProfile, type TargetProfile } from './targets.js';
import { TokenCursor } from './token-cursor.js';

export interface IntegerConstant {
  readonly name: string;
  readonly kind: 'integer';
  readonly value: bigint;
  /** The C type of the expression, as C spells it (`unsigned int`). */
  readonly ctype: IntTypeName;
  /** Where it comes from: a `#define` or an `enum`. */
  readonly origin: 'macro' | 'enum';
  readonly line: number;
  readonly doc: string | undefined;
}

export interface StringConstant {
  readonly name: string;
  readonly kind: 'string';
  readonly value: string;
  /** `char[N]` or `wchar_t[N]` (N counts the terminating NUL). */
  readonly ctype: string;
  readonly wide: boolean;
  readonly origin: 'macro';
  readonly line: number;
  readonly doc: string | undefined;
}

/** A constant the header defines: an integer with its C type, or a string. */
export type Constant = IntegerConstant | StringConstant;

/** One member of a struct or union: its offset, size and alignment on the target, and its C type. */
export interface FieldModel {
  readonly name: string;
  readonly offset: number;
  readonly size: number;
  readonly align: number;
  /** C spelling of the member's type (`unsigned char[3]`, `__kernel_sa_family_t`). */
  readonly type: string;
  /** The koffi primitive of the member (or of its array elements). */
  readonly koffiType: string;
  /** Element count when the member is an array. */
  readonly arrayLength: number | undefined;
  readonly doc: string | undefined;
}

/** A struct or union's layout on one target: size, alignment and members. */
export interface StructModel {
  /** Tag, or typedef name for an anonymous record. */
  readonly name: string;
  readonly tag: 'struct' | 'union';
  /** How C code names it: `struct sockaddr_vm`, or the typedef name. */
  readonly cName: string;
  readonly size: number;
  readonly align: number;
  readonly packed: boolean;
  readonly fields: readonly FieldModel[];
  readonly line: number;
  readonly doc: string | undefined;
}

/** A function prototype the header declares (bound with koffi when it is a symbol, not `static inline`). */
export interface FunctionModel {
  readonly name: string;
  readonly returns: string;
  readonly params: readonly { readonly name: string | undefined; readonly type: string }[];
  readonly variadic: boolean;
  /** The whole prototype, as C spells it. */
  readonly signature: string;
  /** False for `static inline` helpers: no symbol exists to bind. */
  readonly callable: boolean;
  readonly note: string | undefined;
  readonly line: number;
  readonly doc: string | undefined;
}

/** A function-like macro that is pure integer arithmetic: emitted as a TypeScript function. */
export interface MacroFunctionModel {
  readonly name: string;
  readonly params: readonly string[];
  /** The C type each parameter is taken as. */
  readonly paramType: IntTypeName;
  /** The C type of the result. */
  readonly ctype: IntTypeName;
  /** The replacement list as written. */
  readonly body: string;
  /** The expression, parsed, for the emitter. */
  readonly expression: Expr;
  readonly line: number;
  readonly doc: string | undefined;
}

/** A definition the generator could not turn into TypeScript, with the reason and its line. */
export interface SkipModel {
  readonly name: string;
  readonly kind: 'macro' | 'function-macro' | 'declaration' | 'struct';
  readonly reason: string;
  readonly code: CodegenErrorCode | undefined;
  readonly line: number;
}

/** Everything generated from one header on one target: constants, structs, functions and what was skipped, with the header's SHA-256. */
export interface HeaderModel {
  /** File name of the header (`vm_sockets.h`). */
  readonly header: string;
  readonly sha256: string;
  readonly target: string;
  readonly constants: readonly Constant[];
  readonly structs: readonly StructModel[];
  readonly functions: readonly FunctionModel[];
  readonly macroFunctions: readonly MacroFunctionModel[];
  readonly skipped: readonly SkipModel[];
  readonly warnings: readonly string[];
}

/** The input of {@link buildModel}: a header's text, its path, the target ABI and extra macros. */
export interface BuildModelOptions {
  /** The header's path (used for `"…"` includes and messages). */
  readonly path: string;
  readonly text: string;
  readonly target: string;
  /** Extra `-D` style macros. */
  readonly defines?: Readonly<Record<string, string>>;
  /** System headers to process first, like `cc -include` (e.g. `sys/ioctl.h` for `_IO`). */
  readonly preInclude?: readonly string[];
  /** Resolves `"…"` includes next to the header; defaults to none. */
  readonly readLocal?: IncludeResolver['local'];
  /** The C type parameters of arithmetic function-like macros are taken as. */
  readonly macroParamType?: IntTypeName;
}

/** Parses a header for one target into its model. Throws {@link CodegenError} on bad input. */
export function buildModel(options: BuildModelOptions): HeaderModel {
  try {
    return buildModelUnguarded(options);
  } catch (error) {
    // Last line of defence: nesting deeper than the explicit limits catch must still be typed.
    if (error instanceof RangeError && /call stack/i.test(error.message)) {
      throw new CodegenError(
        'ERR_CODEGEN_NESTING_LIMIT',
        `${options.path}: the header nests too deeply to translate`,
        { cause: error },
      );
    }
    throw error;
  }
}

function buildModelUnguarded(options: BuildModelOptions): HeaderModel {
  const profile = getTargetProfile(options.target);
  const { model } = profile;
  const pre = preprocess(options.path, options.text, {
    model,
    predefined: { ...profile.predefined, ...options.defines },
    preInclude: options.preInclude ?? [],
    includes: {
      system: (name) => {
        const text = profile.systemHeaders[name];
        return text === undefined ? undefined : { path: `<${profile.name}>/${name}`, text };
      },
      local: options.readLocal ?? (() => undefined),
    },
  });
  const mainFile = pre.mainFile;
  const endToken: Token = pre.tokens[pre.tokens.length - 1] ?? {
    kind: 'other',
    text: '',
    file: mainFile,
    line: mainFile.lines.length,
    column: 1,
    spaceBefore: false,
  };
  const unit = parseDeclarations(pre.tokens, model, endToken);
  const inMain = (token: Token | undefined) => token?.file === mainFile;
  const doc = (token: Token) => docFor(token, pre.comments);

  const skipped: SkipModel[] = [];
  const constants: Constant[] = [];
  const macroFunctions: MacroFunctionModel[] = [];

  for (const constant of unit.enumConstants.values()) {
    if (!inMain(constant.token)) continue;
    constants.push({
      name: constant.name,
      kind: 'integer',
      value: constant.value.value,
      ctype: constant.value.type,
      origin: 'enum',
      line: constant.token.line,
      doc: doc(constant.token),
    });
  }

  for (const macro of pre.macros.values()) {
    if (!macro.token || !inMain(macro.token)) continue;
    const line = macro.token.line;
    if (macro.params !== undefined) {
      const result = translateMacroFunction(
        macro,
        pre.expand,
        model,
        unit,
        options.macroParamType ?? 'unsigned int',
      );
      if (typeof result === 'string')
        skipped.push({
          name: macro.name,
          kind: 'function-macro',
          reason: result,
          code: undefined,
          line,
        });
      else macroFunctions.push({ ...result, line, doc: doc(macro.token) });
      continue;
    }
    if (macro.body.length === 0) {
      skipped.push({
        name: macro.name,
        kind: 'macro',
        reason: 'empty macro (include guard or feature flag)',
        code: undefined,
        line,
      });
      continue;
    }
    const value = evaluateMacro(macro, pre.expand, model, unit);
    if ('skip' in value) {
      skipped.push({ name: macro.name, kind: 'macro', reason: value.skip, code: value.code, line });
      continue;
    }
    constants.push({
      name: macro.name,
      ...value,
      origin: 'macro',
      line,
      doc: doc(macro.token),
    } as Constant);
  }
  constants.sort((a, b) => a.line - b.line);

  const structs: StructModel[] = [];
  for (const declaration of unit.records) {
    if (!inMain(declaration.token)) continue;
    const { record } = declaration;
    if (!declaration.name) {
      skipped.push({
        name: '<anonymous>',
        kind: 'struct',
        reason: 'anonymous record with no typedef name',
        code: undefined,
        line: declaration.token.line,
      });
      continue;
    }
    if (record.hasBitfields) {
      skipped.push({
        name: declaration.name,
        kind: 'struct',
        reason: 'bit-fields: their layout is not modelled',
        code: undefined,
        line: declaration.token.line,
      });
      continue;
    }
    const layout = computeLayout(record, model, declaration.token);
    structs.push({
      name: declaration.name,
      tag: record.tag,
      cName: record.name ? `${record.tag} ${record.name}` : declaration.name,
      size: layout.size,
      align: layout.align,
      packed:
        record.packed ||
        record.maxFieldAlign !== undefined ||
        record.alignAttribute !== undefined ||
        layout.fields.some((f) => f.align !== sizeAndAlign(f.type, model, declaration.token).align),
      fields: layout.fields.map((field) => {
        const element = elementOf(field.type);
        return {
          name: field.name,
          offset: field.offset,
          size: field.size,
          align: field.align,
          type: spellType(field.type),
          koffiType: koffiTypeOf(element.type, model),
          arrayLength: element.length,
          doc: field.token ? doc(field.token) : undefined,
        };
      }),
      line: declaration.token.line,
      doc: doc(declaration.token),
    });
  }

  const functions: FunctionModel[] = [];
  const seenFunctions = new Set<string>();
  for (const fn of unit.functions) {
    if (!inMain(fn.token) || seenFunctions.has(fn.name)) continue;
    seenFunctions.add(fn.name);
    const inline = fn.isInline || fn.isStatic;
    functions.push({
      name: fn.name,
      returns: spellType(fn.type.returns),
      params: fn.type.params.map((p) => ({ name: p.name, type: spellType(p.type) })),
      variadic: fn.type.variadic,
      signature: `${spellType(fn.type.returns)} ${fn.name}(${spellParams(fn.type)})`,
      callable: !inline,
      note: inline
        ? `${fn.isStatic ? 'static ' : ''}inline in the header: no symbol exists to bind; re-implement it`
        : undefined,
      line: fn.token.line,
      doc: doc(fn.token),
    });
  }
  for (const variable of unit.variables) {
    if (!inMain(variable.token)) continue;
    skipped.push({
      name: variable.name,
      kind: 'declaration',
      reason: `variable of type '${spellType(variable.type)}' (only constants, types and functions are translated)`,
      code: undefined,
      line: variable.token.line,
    });
  }

  return {
    header: baseName(options.path),
    sha256: createHash('sha256').update(options.text).digest('hex'),
    target: profile.name,
    constants,
    structs,
    functions,
    macroFunctions,
    skipped: skipped.sort((a, b) => a.line - b.line),
    warnings: pre.warnings,
  };
}

function baseName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

function elementOf(type: CType): { type: CType; length: number | undefined } {
  const resolved = resolveType(type);
  if (resolved.kind === 'array') return { type: resolved.of, length: resolved.length ?? 0 };
  return { type, length: undefined };
}

// ---- macros ----------------------------------------------------------------------------------

function typeNameParser(model: DataModel, unit: TranslationUnit, tokens: readonly Token[]) {
  // Type names inside macros (casts, sizeof) are parsed by a small declaration parse of their own.
  return {
    startsTypeName: (cursor: TokenCursor) => startsTypeName(cursor.peek(), unit),
    parseTypeName: (cursor: TokenCursor): CType => {
      // Collect up to the matching ')' and parse `<type-name> x;` with the full declaration parser.
      let depth = 0;
      const start = cursor.position;
      while (!cursor.atEnd()) {
        const token = cursor.peek() as Token;
        if (token.text === '(') depth++;
        if (token.text === ')') {
          if (depth === 0) break;
          depth--;
        }
        cursor.next();
      }
      const typeTokens = tokens.slice(start, cursor.position);
      return parseTypeName(typeTokens, model, unit);
    },
  };
}

type MacroValue =
  | Omit<IntegerConstant, 'name' | 'origin' | 'line' | 'doc'>
  | Omit<StringConstant, 'name' | 'origin' | 'line' | 'doc'>
  | { skip: string; code: CodegenErrorCode | undefined };

/** Errors that mean the header is wrong, not that the macro is merely untranslatable. */
/**
 * A macro that cannot be evaluated is a skip (with its error code): compilers accept such a header
 * as long as nothing uses the macro. Only runaway expansion stops the run.
 */
const fatalInMacros = new Set<CodegenErrorCode>(['ERR_CODEGEN_EXPANSION_LIMIT']);

function evaluateMacro(
  macro: MacroDefinition,
  expand: (t: readonly Token[]) => Token[],
  model: DataModel,
  unit: TranslationUnit,
): MacroValue {
  const nameToken = macro.token as Token;
  try {
    const tokens = expand([nameToken]);
    if (tokens.length === 0) return { skip: 'expands to nothing', code: undefined };
    const cursor = new TokenCursor(tokens, tokens[tokens.length - 1] as Token);
    const expr = parseExpression(cursor, model, typeNameParser(model, unit, tokens), true);
    if (!cursor.atEnd())
      return {
        skip: `not a single expression (unexpected '${cursor.peek()?.text}')`,
        code: 'ERR_CODEGEN_SYNTAX',
      };
    if (expr.k === 'string') {
      const unit_ = expr.wide ? 'wchar_t' : 'char';
      return {
        kind: 'string',
        value: expr.value,
        wide: expr.wide,
        ctype: `${unit_}[${expr.units + 1}]`,
      };
    }
    const value = evaluate(expr, {
      model,
      preprocessor: false,
      identifier: (token) => unit.enumConstants.get(token.text)?.value,
      sizeOf: (type, at) => sizeAndAlign(type, model, at).size,
      alignOf: (type, at) => sizeAndAlign(type, model, at).align,
    });
    return { kind: 'integer', value: value.value, ctype: value.type };
  } catch (error) {
    if (!CodegenError.isInstance(error)) throw error;
    if (fatalInMacros.has(error.code)) throw error;
    const reason = error.message.split('\n')[0]?.replace(/^[^:]*:\d+:\d+: /, '') ?? error.message;
    return { skip: reason, code: error.code };
  }
}

const arithmeticOperators = new Set([
  '+',
  '-',
  '*',
  '/',
  '%',
  '<<',
  '>>',
  '&',
  '|',
  '^',
  '~',
  '!',
  '==',
  '!=',
  '<',
  '>',
  '<=',
  '>=',
  '&&',
  '||',
]);

function translateMacroFunction(
  macro: MacroDefinition,
  expand: (t: readonly Token[]) => Token[],
  model: DataModel,
  unit: TranslationUnit,
  paramType: IntTypeName,
): Omit<MacroFunctionModel, 'line' | 'doc'> | string {
  const params = macro.params ?? [];
  if (macro.variadic) return 'variadic function-like macro';
  if (macro.body.length === 0) return 'function-like macro with an empty body';
  if (macro.body.some((t) => t.text === '#' || t.text === '##'))
    return "uses '#' or '##' (token manipulation, not arithmetic)";
  // Paint the parameters blue so expansion leaves them alone.
  const body = macro.body.map((t) =>
    params.includes(t.text) ? { ...t, hideSet: new Set([...(t.hideSet ?? []), t.text]) } : t,
  );
  let expr: Expr;
  try {
    const tokens = expand(body);
    if (tokens.length === 0) return 'expands to nothing';
    const cursor = new TokenCursor(tokens, tokens[tokens.length - 1] as Token);
    expr = parseExpression(cursor, model, typeNameParser(model, unit, tokens), true);
    if (!cursor.atEnd()) return `not a single expression (unexpected '${cursor.peek()?.text}')`;
  } catch (error) {
    if (!CodegenError.isInstance(error)) throw error;
    return `not an expression: ${error.message.split('\n')[0]?.replace(/^[^:]*:\d+:\d+: /, '')}`;
  }
  const problem = findNonArithmetic(expr, params);
  if (problem) return `not pure integer arithmetic: ${problem}`;
  // Type-check by evaluating once with every parameter 0 (division by a parameter is fine at run time).
  let ctype: IntTypeName;
  try {
    ctype = evaluate(expr, {
      model,
      preprocessor: false,
      identifier: (token) =>
        params.includes(token.text)
          ? { value: 1n, type: paramType }
          : unit.enumConstants.get(token.text)?.value,
      sizeOf: (type, at) => sizeAndAlign(type, model, at).size,
      alignOf: (type, at) => sizeAndAlign(type, model, at).align,
    }).type;
  } catch (error) {
    if (!CodegenError.isInstance(error)) throw error;
    return `not a constant expression: ${error.message.split('\n')[0]?.replace(/^[^:]*:\d+:\d+: /, '')}`;
  }
  return {
    name: macro.name,
    params,
    paramType,
    ctype,
    body: macro.body.map((t, i) => (i > 0 && t.spaceBefore ? ' ' : '') + t.text).join(''),
    expression: expr,
  };
}

function findNonArithmetic(expr: Expr, params: readonly string[]): string | undefined {
  switch (expr.k) {
    case 'int':
      return undefined;
    case 'ident':
      return params.includes(expr.name) ? undefined : `uses '${expr.name}'`;
    case 'unary':
      return arithmeticOperators.has(expr.op)
        ? findNonArithmetic(expr.arg, params)
        : `uses '${expr.op}'`;
    case 'binary':
      if (!arithmeticOperators.has(expr.op)) return `uses '${expr.op}'`;
      return findNonArithmetic(expr.left, params) ?? findNonArithmetic(expr.right, params);
    case 'conditional':
      return (
        findNonArithmetic(expr.test, params) ??
        findNonArithmetic(expr.then, params) ??
        findNonArithmetic(expr.otherwise, params)
      );
    case 'cast': {
      const target = resolveType(expr.type);
      return target.kind === 'int'
        ? findNonArithmetic(expr.arg, params)
        : `casts to '${spellType(expr.type)}'`;
    }
    case 'sizeof':
    case 'alignof':
      return undefined;
    default:
      return `uses a ${expr.k === 'string' ? 'string literal' : expr.k === 'call' ? 'function call' : expr.k}`;
  }
}

export type { SourceFile, TargetProfile };
