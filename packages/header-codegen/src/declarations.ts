/**
 * Declarations of a preprocessed header: struct/union/enum, typedef, prototypes and `static
 * inline` helpers (whose bodies are skipped: only their signatures matter).
 */
import {
  type CParameter,
  type CType,
  type DataModel,
  fitsType,
  type IntTypeName,
  type RecordField,
  type RecordType,
  resolveType,
} from './c-types.js';
import {
  type Expr,
  evaluate,
  maxNesting,
  parseExpression,
  TokenCursor,
  type TypedValue,
} from './expression.js';

/** Enumerator types in the order GCC tries them for values outside `int`. */
const enumeratorTypes: readonly IntTypeName[] = [
  'int',
  'unsigned int',
  'long',
  'unsigned long',
  'long long',
  'unsigned long long',
];

import { computeLayout, sizeAndAlign } from './layout.js';
import { errorAt, type Token } from './lexer.js';
import { pragmaPackToken } from './preprocessor.js';

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

const intKeywords = new Set(['signed', 'unsigned', 'short', 'long', 'int', 'char', '_Bool']);
const qualifierKeywords = new Set([
  'const',
  'volatile',
  'restrict',
  '__restrict',
  '__restrict__',
  '__const',
  '__volatile__',
  '__extension__',
  'register',
  'auto',
  '_Noreturn',
  '__cdecl',
  '__stdcall',
  '__fastcall',
  '__ptr64',
  '__unaligned',
]);
const inlineKeywords = new Set(['inline', '__inline', '__inline__', '__forceinline']);
const storageKeywords = new Set(['typedef', 'extern', 'static', ...inlineKeywords]);
const typeKeywords = new Set([
  ...intKeywords,
  'void',
  'float',
  'double',
  'struct',
  'union',
  'enum',
]);

interface Attributes {
  packed: boolean;
  aligned: number | undefined;
}

interface Specifiers {
  readonly type: CType;
  readonly isTypedef: boolean;
  readonly isStatic: boolean;
  readonly isInline: boolean;
  readonly attributes: Attributes;
}

interface Declarator {
  readonly name: string | undefined;
  readonly token: Token | undefined;
  readonly type: CType;
}

/** Whether `token` can start a type name in the scope of `unit` (keyword, qualifier or typedef). */
export function startsTypeName(token: Token | undefined, unit: TranslationUnit): boolean {
  if (token?.kind !== 'identifier') return false;
  return (
    typeKeywords.has(token.text) ||
    qualifierKeywords.has(token.text) ||
    unit.typedefs.has(token.text)
  );
}

export function parseDeclarations(
  tokens: Token[],
  model: DataModel,
  endToken: Token,
): TranslationUnit {
  return parse(tokens, model, endToken, undefined).unit;
}

/** Parses a type name (`unsigned int`, `struct sockaddr`, `char[4]`) in the scope of `unit`. */
export function parseTypeName(
  tokens: readonly Token[],
  model: DataModel,
  unit: TranslationUnit,
): CType {
  const end = tokens[tokens.length - 1] as Token;
  const scope: TranslationUnit = { ...unit, records: [], functions: [], variables: [] };
  return parse(tokens, model, end, scope).typeName as CType;
}

function parse(
  tokens: readonly Token[],
  model: DataModel,
  endToken: Token,
  scope: TranslationUnit | undefined,
): { unit: TranslationUnit; typeName?: CType } {
  const cursor = new TokenCursor(tokens, endToken);
  const unit: TranslationUnit = scope ?? {
    tags: new Map(),
    records: [],
    typedefs: new Map(),
    enumConstants: new Map(),
    functions: [],
    variables: [],
  };
  const tags = unit.tags;
  const packStack: (number | undefined)[] = [];
  let pack: number | undefined;

  const isTypedefName = (token: Token | undefined) =>
    token !== undefined && token.kind === 'identifier' && unit.typedefs.has(token.text);

  const startsTypeName = (c: TokenCursor): boolean => {
    const token = c.peek();
    if (token?.kind !== 'identifier') return false;
    return (
      typeKeywords.has(token.text) || qualifierKeywords.has(token.text) || isTypedefName(token)
    );
  };

  const typeNames = {
    startsTypeName,
    parseTypeName: (_: TokenCursor): CType => {
      const specifiers = parseSpecifiers();
      const declarator = parseDeclarator(specifiers.type, true);
      if (declarator.name)
        throw errorAt(
          declarator.token as Token,
          'ERR_CODEGEN_SYNTAX',
          'a type name cannot declare a name',
        );
      return declarator.type;
    },
  };

  const constantValue = (expr: Expr): TypedValue =>
    evaluate(expr, {
      model,
      preprocessor: false,
      identifier: (token) => unit.enumConstants.get(token.text)?.value,
      sizeOf: (type, at) => sizeAndAlign(type, model, at).size,
      alignOf: (type, at) => sizeAndAlign(type, model, at).align,
    });

  const parseConstant = (): TypedValue => constantValue(parseExpression(cursor, model, typeNames));

  const checkedAlignment = (at: Token): number => {
    const value = parseConstant().value;
    if (value <= 0n || (value & (value - 1n)) !== 0n || value > 1n << 28n) {
      throw errorAt(
        at,
        'ERR_CODEGEN_SYNTAX',
        `requested alignment ${value} is not a positive power of 2`,
      );
    }
    return Number(value);
  };

  // ---- attributes ------------------------------------------------------------------------------

  const skipBalanced = (open: string, close: string) => {
    const start = cursor.expect(open);
    let depth = 1;
    while (depth > 0) {
      if (cursor.atEnd()) throw errorAt(start, 'ERR_CODEGEN_SYNTAX', `unbalanced '${open}'`);
      const token = cursor.next();
      if (token.kind === 'punctuator' && token.text === open) depth++;
      else if (token.kind === 'punctuator' && token.text === close) depth--;
    }
  };

  /** Reads any run of `__attribute__((…))`, `__declspec(…)` and `__asm__(…)`. */
  const parseAttributes = (into: Attributes): void => {
    for (;;) {
      const token = cursor.peek();
      if (token?.kind !== 'identifier') return;
      if (token.text === '__attribute__' || token.text === '__attribute') {
        cursor.next();
        cursor.expect('(', "after '__attribute__'");
        cursor.expect('(', "after '__attribute__('");
        while (!cursor.is(')')) {
          const name = cursor.next();
          const plain = name.text.replace(/^__(.*)__$/, '$1');
          if (cursor.is('(')) {
            if (plain === 'aligned') {
              cursor.next();
              into.aligned = checkedAlignment(name);
              cursor.expect(')');
            } else {
              skipBalanced('(', ')');
            }
          } else if (plain === 'packed') {
            into.packed = true;
          } else if (plain === 'aligned') {
            into.aligned = 16; // GCC: the largest alignment ever used for any type on the target.
          }
          if (!cursor.accept(',')) break;
        }
        cursor.expect(')');
        cursor.expect(')');
      } else if (token.text === '__declspec') {
        cursor.next();
        cursor.expect('(');
        const name = cursor.next();
        if (name.text === 'align' && cursor.accept('(')) {
          into.aligned = checkedAlignment(name);
          cursor.expect(')');
        } else if (cursor.is('(')) {
          skipBalanced('(', ')');
        }
        cursor.expect(')');
      } else if (token.text === '__asm__' || token.text === '__asm' || token.text === 'asm') {
        cursor.next();
        skipBalanced('(', ')');
      } else {
        return;
      }
    }
  };

  // ---- specifiers ------------------------------------------------------------------------------

  const intTypeFrom = (words: string[], at: Token): IntTypeName => {
    const count = (w: string) => words.filter((x) => x === w).length;
    const unsigned = count('unsigned') > 0;
    const signed = count('signed') > 0;
    const longs = count('long');
    if (unsigned && signed)
      throw errorAt(
        at,
        'ERR_CODEGEN_SYNTAX',
        "both 'signed' and 'unsigned' in declaration specifiers",
      );
    if (count('_Bool')) return '_Bool';
    if (count('char')) return unsigned ? 'unsigned char' : signed ? 'signed char' : 'char';
    if (count('short')) return unsigned ? 'unsigned short' : 'short';
    if (longs >= 2) return unsigned ? 'unsigned long long' : 'long long';
    if (longs === 1) return unsigned ? 'unsigned long' : 'long';
    return unsigned ? 'unsigned int' : 'int';
  };

  const parseSpecifiers = (): Specifiers => {
    const attributes: Attributes = { packed: false, aligned: undefined };
    const words: string[] = [];
    let type: CType | undefined;
    let isTypedef = false;
    let isStatic = false;
    let isInline = false;
    const first = cursor.peek() ?? endToken;
    for (;;) {
      parseAttributes(attributes);
      const token = cursor.peek();
      if (token?.kind !== 'identifier') break;
      const word = token.text;
      if (storageKeywords.has(word)) {
        cursor.next();
        if (word === 'typedef') isTypedef = true;
        if (word === 'static') isStatic = true;
        if (inlineKeywords.has(word)) isInline = true;
      } else if (qualifierKeywords.has(word)) {
        cursor.next();
      } else if (intKeywords.has(word)) {
        if (type) throw errorAt(token, 'ERR_CODEGEN_SYNTAX', `'${word}' after a complete type`);
        cursor.next();
        words.push(word);
      } else if (word === 'void' || word === 'float' || word === 'double') {
        if (type)
          throw errorAt(token, 'ERR_CODEGEN_SYNTAX', `two types in one declaration ('${word}')`);
        cursor.next();
        if (word === 'void') type = { kind: 'void' };
        else if (word === 'double' && words.includes('long')) {
          words.length = 0;
          type = { kind: 'float', name: 'long double' };
        } else type = { kind: 'float', name: word };
      } else if (word === 'struct' || word === 'union') {
        if (type || words.length)
          throw errorAt(token, 'ERR_CODEGEN_SYNTAX', `two types in one declaration ('${word}')`);
        type = parseRecordSpecifier();
      } else if (word === 'enum') {
        if (type || words.length)
          throw errorAt(token, 'ERR_CODEGEN_SYNTAX', "two types in one declaration ('enum')");
        type = parseEnumSpecifier();
      } else if (!type && words.length === 0 && isTypedefName(token)) {
        cursor.next();
        const typedef = unit.typedefs.get(word) as TypedefDeclaration;
        type = { kind: 'typedef', name: word, target: typedef.type };
      } else {
        break;
      }
    }
    if (!type) {
      if (words.length > 0) type = { kind: 'int', name: intTypeFrom(words, first) };
      else {
        const token = cursor.peek() ?? endToken;
        if (token.kind === 'identifier') {
          throw errorAt(
            token,
            'ERR_CODEGEN_UNKNOWN_TYPE',
            `unknown type name '${token.text}': it is neither declared in the header nor in the target profile's system headers`,
          );
        }
        throw errorAt(token, 'ERR_CODEGEN_SYNTAX', `expected a type before '${token.text}'`);
      }
    }
    return { type, isTypedef, isStatic, isInline, attributes };
  };

  const parseRecordSpecifier = (): CType => {
    const keyword = cursor.peek() ?? endToken;
    if (++cursor.depth > maxNesting) {
      throw errorAt(
        keyword,
        'ERR_CODEGEN_NESTING_LIMIT',
        `struct or union nested more than ${maxNesting} levels deep`,
      );
    }
    try {
      return parseRecordSpecifierAt();
    } finally {
      cursor.depth--;
    }
  };

  const parseRecordSpecifierAt = (): CType => {
    const keyword = cursor.next();
    const tag = keyword.text as 'struct' | 'union';
    const attributes: Attributes = { packed: false, aligned: undefined };
    parseAttributes(attributes);
    const nameToken = cursor.peek()?.kind === 'identifier' ? cursor.next() : undefined;
    parseAttributes(attributes);
    let record: RecordType | undefined;
    if (nameToken) {
      const existing = tags.get(nameToken.text);
      if (existing === 'enum' || (existing && existing.tag !== tag)) {
        throw errorAt(
          nameToken,
          'ERR_CODEGEN_REDEFINITION',
          `'${nameToken.text}' defined as a different kind of tag`,
        );
      }
      record = existing;
    }
    if (!cursor.is('{')) {
      if (!nameToken)
        throw errorAt(keyword, 'ERR_CODEGEN_SYNTAX', `expected a name or '{' after '${tag}'`);
      if (!record) {
        record = {
          tag,
          name: nameToken.text,
          fields: undefined,
          packed: false,
          alignAttribute: undefined,
          maxFieldAlign: undefined,
          hasBitfields: false,
        };
        tags.set(nameToken.text, record);
      }
      return { kind: 'record', record };
    }
    if (record?.fields)
      throw errorAt(
        nameToken as Token,
        'ERR_CODEGEN_REDEFINITION',
        `redefinition of '${tag} ${nameToken?.text}'`,
      );
    if (!record) {
      record = {
        tag,
        name: nameToken?.text,
        fields: undefined,
        packed: false,
        alignAttribute: undefined,
        maxFieldAlign: undefined,
        hasBitfields: false,
      };
      if (nameToken) tags.set(nameToken.text, record);
    }
    cursor.expect('{');
    const fields: RecordField[] = [];
    while (!cursor.accept('}')) {
      if (cursor.accept(';')) continue;
      const specifiers = parseSpecifiers();
      if (cursor.accept(';')) {
        // An anonymous struct/union member (C11).
        fields.push({
          name: undefined,
          type: specifiers.type,
          bitWidth: undefined,
          alignAttribute: specifiers.attributes.aligned,
          token: undefined,
        });
        continue;
      }
      for (;;) {
        const declarator = cursor.is(':')
          ? { name: undefined, token: undefined, type: specifiers.type }
          : parseDeclarator(specifiers.type, false);
        let bitWidth: number | undefined;
        if (cursor.accept(':')) {
          bitWidth = Number(parseConstant().value);
          record.hasBitfields = true;
        } else if (declarator.token) {
          // A member must have a complete type (this also rejects a struct that contains itself);
          // only a trailing `[]` (flexible array member) may be incomplete.
          const resolved = resolveType(declarator.type);
          if (!(resolved.kind === 'array' && resolved.length === undefined))
            sizeAndAlign(declarator.type, model, declarator.token);
        }
        const fieldAttributes: Attributes = {
          packed: false,
          aligned: specifiers.attributes.aligned,
        };
        parseAttributes(fieldAttributes);
        fields.push({
          name: declarator.name,
          type: declarator.type,
          bitWidth,
          alignAttribute: fieldAttributes.aligned,
          token: declarator.token,
        });
        if (!cursor.accept(',')) break;
      }
      cursor.expect(';', 'after struct member');
    }
    parseAttributes(attributes);
    record.fields = fields;
    record.packed = attributes.packed;
    record.alignAttribute = attributes.aligned;
    record.maxFieldAlign = pack;
    if (!record.hasBitfields) computeLayout(record, model, keyword); // reports incomplete members here, with a location
    unit.records.push({ record, name: record.name ?? '', token: nameToken ?? keyword });
    return { kind: 'record', record };
  };

  const parseEnumSpecifier = (): CType => {
    const keyword = cursor.next();
    parseAttributes({ packed: false, aligned: undefined });
    const nameToken = cursor.peek()?.kind === 'identifier' ? cursor.next() : undefined;
    if (nameToken) tags.set(nameToken.text, 'enum');
    if (cursor.accept('{')) {
      let next: TypedValue = { value: 0n, type: 'int' };
      let previousType: IntTypeName | undefined;
      while (!cursor.accept('}')) {
        const name = cursor.next();
        if (name.kind !== 'identifier')
          throw errorAt(
            name,
            'ERR_CODEGEN_SYNTAX',
            `expected an enumerator name, got '${name.text}'`,
          );
        const explicit = cursor.accept('=') !== undefined;
        if (explicit) next = parseConstant();
        else if (previousType && !fitsType(next.value, previousType, model)) {
          // The implicit `previous + 1` is computed in the previous enumerator's type (GCC).
          throw errorAt(
            name,
            'ERR_CODEGEN_NOT_CONSTANT',
            `overflow in enumeration values: '${name.text}' would be ${next.value}`,
          );
        }
        if (unit.enumConstants.has(name.text))
          throw errorAt(
            name,
            'ERR_CODEGEN_REDEFINITION',
            `redeclaration of enumerator '${name.text}'`,
          );
        const value = next.value;
        const type = enumeratorTypes.find((t) => fitsType(value, t, model));
        if (!type) {
          throw errorAt(
            name,
            'ERR_CODEGEN_NOT_CONSTANT',
            `enumerator '${name.text}' overflows: ${value} fits no integer type`,
          );
        }
        unit.enumConstants.set(name.text, {
          name: name.text,
          value: { value, type },
          token: name,
        });
        previousType = type;
        next = { value: next.value + 1n, type: next.type };
        if (!cursor.accept(',')) {
          cursor.expect('}', 'to close the enum');
          break;
        }
      }
      parseAttributes({ packed: false, aligned: undefined });
    } else if (!nameToken) {
      throw errorAt(keyword, 'ERR_CODEGEN_SYNTAX', "expected a name or '{' after 'enum'");
    }
    return { kind: 'enum', tag: nameToken?.text };
  };

  // ---- declarators -----------------------------------------------------------------------------

  const startsNestedDeclarator = (): boolean => {
    const next = cursor.peek(1);
    if (!next) return false;
    if (next.kind === 'punctuator')
      return next.text === '*' || next.text === '(' || next.text === '[';
    if (next.kind === 'identifier') return !startsTypeNameAt(1) && next.text !== '__attribute__';
    return false;
  };
  const startsTypeNameAt = (offset: number): boolean => {
    cursor.position += offset;
    const result = startsTypeName(cursor) || cursor.is('...');
    cursor.position -= offset;
    return result;
  };

  const parseParameters = (): { params: CParameter[]; variadic: boolean } => {
    cursor.expect('(');
    const params: CParameter[] = [];
    let variadic = false;
    if (cursor.accept(')')) return { params, variadic };
    if (cursor.is('void') && cursor.is(')', 1)) {
      cursor.next();
      cursor.next();
      return { params, variadic };
    }
    for (;;) {
      if (cursor.accept('...')) {
        variadic = true;
        break;
      }
      const specifiers = parseSpecifiers();
      const declarator = parseDeclarator(specifiers.type, true);
      let type = declarator.type;
      if (type.kind === 'array') type = { kind: 'pointer', to: type.of };
      if (type.kind === 'function') type = { kind: 'pointer', to: type };
      params.push({ name: declarator.name, type });
      if (!cursor.accept(',')) break;
    }
    cursor.expect(')', 'to close the parameter list');
    return { params, variadic };
  };

  function parseDeclarator(base: CType, abstract: boolean): Declarator {
    const at = cursor.peek() ?? endToken;
    if (++cursor.depth > maxNesting) {
      throw errorAt(
        at,
        'ERR_CODEGEN_NESTING_LIMIT',
        `declarator nested more than ${maxNesting} levels deep`,
      );
    }
    try {
      return parseDeclaratorAt(base, abstract);
    } finally {
      cursor.depth--;
    }
  }

  function parseDeclaratorAt(base: CType, abstract: boolean): Declarator {
    let pointers = 0;
    for (;;) {
      if (cursor.accept('*')) pointers++;
      else if (
        cursor.peek()?.kind === 'identifier' &&
        qualifierKeywords.has(cursor.peek()?.text ?? '')
      )
        cursor.next();
      else if (cursor.is('__attribute__') || cursor.is('__declspec'))
        parseAttributes({ packed: false, aligned: undefined });
      else break;
    }
    let inner: ((type: CType) => Declarator) | undefined;
    let name: string | undefined;
    let nameToken: Token | undefined;
    if (cursor.is('(') && startsNestedDeclarator()) {
      cursor.next();
      const saved = cursor.position;
      // Parse the inner declarator against a placeholder, then re-parse once the outer type is known.
      parseDeclarator({ kind: 'void' }, abstract);
      const end = cursor.position;
      inner = (outer) => {
        const resume = cursor.position;
        cursor.position = saved;
        const result = parseDeclarator(outer, abstract);
        cursor.position = resume;
        void end;
        return result;
      };
      cursor.expect(')', 'to close the declarator');
    } else if (cursor.peek()?.kind === 'identifier' && !(abstract && startsTypeName(cursor))) {
      nameToken = cursor.next();
      name = nameToken.text;
    } else if (!abstract) {
      const token = cursor.peek() ?? endToken;
      throw errorAt(
        token,
        'ERR_CODEGEN_SYNTAX',
        `expected a declarator name before '${token.text}'`,
      );
    }
    const suffixes: ((type: CType) => CType)[] = [];
    for (;;) {
      if (cursor.is('[')) {
        const open = cursor.next();
        if (cursor.accept(']')) {
          suffixes.push((of) => ({ kind: 'array', of, length: undefined }));
          continue;
        }
        const size = parseConstant();
        cursor.expect(']', 'to close the array size');
        if (size.value < 0n)
          throw errorAt(
            open,
            'ERR_CODEGEN_BAD_ARRAY_SIZE',
            `array size is negative (${size.value})`,
          );
        if (size.value > 0x7fffffffn)
          throw errorAt(
            open,
            'ERR_CODEGEN_BAD_ARRAY_SIZE',
            `array size ${size.value} is too large`,
          );
        const length = Number(size.value);
        suffixes.push((of) => ({ kind: 'array', of, length }));
      } else if (cursor.is('(')) {
        const { params, variadic } = parseParameters();
        suffixes.push((returns) => ({ kind: 'function', returns, params, variadic }));
      } else {
        break;
      }
    }
    let type = base;
    for (let i = 0; i < pointers; i++) type = { kind: 'pointer', to: type };
    for (let i = suffixes.length - 1; i >= 0; i--)
      type = (suffixes[i] as (t: CType) => CType)(type);
    if (inner) return inner(type);
    return { name, token: nameToken, type };
  }

  // ---- external declarations -------------------------------------------------------------------

  const skipFunctionBody = () => skipBalanced('{', '}');

  /** `#pragma pack` takes 1, 2, 4, 8 or 16; compilers ignore other values (with a warning). */
  const packValue = (current: number | undefined): number | undefined => {
    const value = Number(parseConstant().value);
    return [1, 2, 4, 8, 16].includes(value) ? value : current;
  };

  const parsePragmaPack = (at: Token) => {
    cursor.expect('(', "after '#pragma pack'");
    if (cursor.accept(')')) {
      pack = undefined;
      return;
    }
    const first = cursor.next();
    if (first.text === 'push') {
      packStack.push(pack);
      if (cursor.accept(',')) pack = packValue(pack);
    } else if (first.text === 'pop') {
      pack = packStack.pop();
    } else {
      cursor.position--;
      pack = packValue(pack);
    }
    cursor.expect(')', `to close '#pragma pack' (line ${at.line})`);
  };

  if (scope) {
    const type = typeNames.parseTypeName(cursor);
    if (!cursor.atEnd())
      throw errorAt(
        cursor.peek() as Token,
        'ERR_CODEGEN_SYNTAX',
        `unexpected '${cursor.peek()?.text}' in type name`,
      );
    return { unit, typeName: type };
  }

  let externDepth = 0;
  while (!cursor.atEnd()) {
    const token = cursor.peek() as Token;
    if (cursor.accept(';')) continue;
    if (token.text === pragmaPackToken) {
      cursor.next();
      parsePragmaPack(token);
      continue;
    }
    if (token.text === 'extern' && cursor.peek(1)?.kind === 'string') {
      cursor.next();
      cursor.next();
      if (cursor.accept('{')) externDepth++;
      continue;
    }
    if (token.text === '}' && externDepth > 0) {
      cursor.next();
      externDepth--;
      continue;
    }
    if (token.text === '_Static_assert' || token.text === 'static_assert') {
      cursor.next();
      cursor.expect('(');
      const condition = parseConstant();
      if (condition.value === 0n)
        throw errorAt(token, 'ERR_CODEGEN_SYNTAX', 'static assertion failed in the header');
      if (cursor.accept(',')) cursor.next();
      cursor.expect(')');
      cursor.expect(';');
      continue;
    }
    const specifiers = parseSpecifiers();
    if (cursor.accept(';')) continue;
    for (;;) {
      const declarator = parseDeclarator(specifiers.type, false);
      parseAttributes({ packed: false, aligned: undefined });
      const name = declarator.name as string;
      const at = declarator.token as Token;
      if (specifiers.isTypedef) {
        const existing = unit.typedefs.get(name);
        if (existing && !sameType(existing.type, declarator.type)) {
          throw errorAt(at, 'ERR_CODEGEN_REDEFINITION', `conflicting types for typedef '${name}'`);
        }
        unit.typedefs.set(name, { name, type: declarator.type, token: at });
        // `typedef struct { … } Name;` — the record is known by its typedef name.
        if (declarator.type.kind === 'record' && !declarator.type.record.name) {
          const declaration = unit.records.find(
            (r) => r.record === (declarator.type as { record: RecordType }).record,
          );
          if (declaration && !declaration.name) declaration.name = name;
        }
      } else if (declarator.type.kind === 'function') {
        const hasBody = cursor.is('{');
        unit.functions.push({
          name,
          type: declarator.type,
          isStatic: specifiers.isStatic,
          isInline: specifiers.isInline,
          hasBody,
          token: at,
        });
        if (hasBody) {
          skipFunctionBody();
          break;
        }
      } else {
        if (cursor.accept('=')) skipInitializer();
        unit.variables.push({ name, type: declarator.type, token: at });
      }
      if (!cursor.accept(',')) {
        cursor.expect(';', 'after declaration');
        break;
      }
    }
  }
  if (externDepth > 0)
    throw errorAt(endToken, 'ERR_CODEGEN_SYNTAX', 'unterminated \'extern "C" {\' block');
  return { unit };

  function skipInitializer() {
    let depth = 0;
    while (!cursor.atEnd()) {
      const token = cursor.peek() as Token;
      if (depth === 0 && (token.text === ',' || token.text === ';')) return;
      if (token.text === '(' || token.text === '{' || token.text === '[') depth++;
      if (token.text === ')' || token.text === '}' || token.text === ']') depth--;
      cursor.next();
    }
  }
}

function sameType(a: CType, b: CType): boolean {
  return (
    JSON.stringify(a, (key, value) => (key === 'record' ? value.name : value)) ===
    JSON.stringify(b, (key, value) => (key === 'record' ? value.name : value))
  );
}
