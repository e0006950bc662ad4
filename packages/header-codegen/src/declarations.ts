/**
 * Declarations of a preprocessed header: struct/union/enum, typedef, prototypes and `static
 * inline` helpers (whose bodies are skipped: only their signatures matter). The grammar itself
 * is `parser/declaration-parser.ts`.
 */
import type { CType, DataModel, RecordType } from './c-types.js';
import type { TypedValue } from './expression.js';
import type { Token } from './lexer.js';
import { DeclarationParser } from './parser/declaration-parser.js';

export { startsTypeName } from './parser/declaration-parser.js';

export interface RecordDeclaration {
  readonly record: RecordType;
  /** The name users know it by: the tag, or the typedef name of an anonymous record. */
  name: string;
  readonly token: Token;
}

export interface EnumConstant {
  readonly name: string;
  readonly value: TypedValue;
  readonly token: Token;
}

export interface FunctionDeclaration {
  readonly name: string;
  readonly type: Extract<CType, { kind: 'function' }>;
  readonly isStatic: boolean;
  readonly isInline: boolean;
  readonly hasBody: boolean;
  readonly token: Token;
}

export interface TypedefDeclaration {
  readonly name: string;
  readonly type: CType;
  readonly token: Token;
}

export interface VariableDeclaration {
  readonly name: string;
  readonly type: CType;
  readonly token: Token;
}

export interface TranslationUnit {
  /** struct/union/enum tags in scope. */
  readonly tags: Map<string, RecordType | 'enum'>;
  readonly records: RecordDeclaration[];
  readonly typedefs: Map<string, TypedefDeclaration>;
  readonly enumConstants: Map<string, EnumConstant>;
  readonly functions: FunctionDeclaration[];
  readonly variables: VariableDeclaration[];
}

/** Parses the external declarations of a preprocessed translation unit. */
export function parseDeclarations(
  tokens: Token[],
  model: DataModel,
  endToken: Token,
): TranslationUnit {
  const unit: TranslationUnit = {
    tags: new Map(),
    records: [],
    typedefs: new Map(),
    enumConstants: new Map(),
    functions: [],
    variables: [],
  };
  return new DeclarationParser(tokens, model, endToken, unit).translationUnit();
}

/** Parses a type name (`unsigned int`, `struct sockaddr`, `char[4]`) in the scope of `unit`. */
export function parseTypeName(
  tokens: readonly Token[],
  model: DataModel,
  unit: TranslationUnit,
): CType {
  const end = tokens[tokens.length - 1] as Token;
  const scope: TranslationUnit = { ...unit, records: [], functions: [], variables: [] };
  return new DeclarationParser(tokens, model, end, scope).completeTypeName();
}
