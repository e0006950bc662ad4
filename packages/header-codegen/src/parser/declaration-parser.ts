/**
 * The declaration parser: a class whose state is the token cursor, the translation unit being
 * filled and the `#pragma pack` stack, with one method per construct of C's declaration grammar
 * (C11 6.7). Function bodies and initializers are skipped: only signatures and types matter.
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
} from '../c-types.js';
import type { TranslationUnit, TypedefDeclaration } from '../declarations.js';
import { evaluate, parseExpression, type TypedValue, type TypeNameParser } from '../expression.js';
import { computeLayout, sizeAndAlign } from '../layout.js';
import { errorAt, type Token } from '../lexer.js';
import { pragmaPackToken } from '../preprocessor.js';
import { TokenCursor } from '../token-cursor.js';
import {
  enumeratorTypes,
  inlineKeywords,
  intKeywords,
  intTypeFrom,
  qualifierKeywords,
  storageKeywords,
  typeKeywords,
} from './words.js';

/** `__attribute__((packed))`, `aligned(N)`, `__declspec(align(N))` as read so far. */
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

const noAttributes = (): Attributes => ({ packed: false, aligned: undefined });

export class DeclarationParser {
  private readonly cursor: TokenCursor;
  /** `#pragma pack` in force: the maximum field alignment of records defined from here on. */
  private pack: number | undefined;
  /** `#pragma pack(push)` saves `pack` here. */
  private readonly packStack: (number | undefined)[] = [];
  /** Open `extern "C" {` blocks. */
  private linkageDepth = 0;
  /** What the expression parser calls back for casts and `sizeof(type)`. */
  private readonly typeNames: TypeNameParser = {
    startsTypeName: () => this.startsTypeName(),
    parseTypeName: () => this.typeName(),
  };

  constructor(
    tokens: readonly Token[],
    private readonly model: DataModel,
    private readonly endToken: Token,
    /** Declarations go here; tags and typedefs already in it are in scope. */
    private readonly unit: TranslationUnit,
  ) {
    this.cursor = new TokenCursor(tokens, endToken);
  }

  // ---- entry points ----------------------------------------------------------------------------

  /** Parses every external declaration into the unit. */
  translationUnit(): TranslationUnit {
    while (!this.cursor.atEnd()) this.externalDeclaration();
    if (this.linkageDepth > 0)
      throw errorAt(this.endToken, 'ERR_CODEGEN_SYNTAX', 'unterminated \'extern "C" {\' block');
    return this.unit;
  }

  /** Parses the whole token list as one type name. */
  completeTypeName(): CType {
    const type = this.typeName();
    const { cursor } = this;
    if (!cursor.atEnd())
      throw errorAt(
        cursor.peek() as Token,
        'ERR_CODEGEN_SYNTAX',
        `unexpected '${cursor.peek()?.text}' in type name`,
      );
    return type;
  }

  // ---- external declarations -------------------------------------------------------------------

  private externalDeclaration(): void {
    const { cursor } = this;
    const token = cursor.peek() as Token;
    if (cursor.accept(';')) return;
    if (token.text === pragmaPackToken) {
      cursor.next();
      this.pragmaPack(token);
      return;
    }
    if (token.text === 'extern' && cursor.peek(1)?.kind === 'string') {
      this.linkageSpecification();
      return;
    }
    if (token.text === '}' && this.linkageDepth > 0) {
      cursor.next();
      this.linkageDepth--;
      return;
    }
    if (token.text === '_Static_assert' || token.text === 'static_assert') {
      this.staticAssert(token);
      return;
    }
    const specifiers = this.specifiers();
    if (cursor.accept(';')) return;
    for (;;) {
      const declarator = this.declarator(specifiers.type, false);
      this.attributes(noAttributes());
      if (specifiers.isTypedef) this.typedef(declarator);
      else if (declarator.type.kind === 'function') {
        if (this.functionDeclaration(specifiers, declarator)) return; // it had a body
      } else this.variable(declarator);
      if (!cursor.accept(',')) {
        cursor.expect(';', 'after declaration');
        return;
      }
    }
  }

  /** `extern "C"` before a declaration, or `extern "C" {` opening a block. */
  private linkageSpecification(): void {
    this.cursor.next();
    this.cursor.next();
    if (this.cursor.accept('{')) this.linkageDepth++;
  }

  /** `_Static_assert(condition, "message");` — checked here, as the compiler would. */
  private staticAssert(keyword: Token): void {
    const { cursor } = this;
    cursor.next();
    cursor.expect('(');
    const condition = this.constant();
    if (condition.value === 0n)
      throw errorAt(keyword, 'ERR_CODEGEN_SYNTAX', 'static assertion failed in the header');
    if (cursor.accept(',')) cursor.next();
    cursor.expect(')');
    cursor.expect(';');
  }

  /** `#pragma pack()`, `(N)`, `(push[, N])`, `(pop)` (left by the preprocessor as a pseudo-token). */
  private pragmaPack(at: Token): void {
    const { cursor } = this;
    cursor.expect('(', "after '#pragma pack'");
    if (cursor.accept(')')) {
      this.pack = undefined;
      return;
    }
    const first = cursor.next();
    if (first.text === 'push') {
      this.packStack.push(this.pack);
      if (cursor.accept(',')) this.pack = this.packValue();
    } else if (first.text === 'pop') {
      this.pack = this.packStack.pop();
    } else {
      cursor.position--;
      this.pack = this.packValue();
    }
    cursor.expect(')', `to close '#pragma pack' (line ${at.line})`);
  }

  /** `#pragma pack` takes 1, 2, 4, 8 or 16; compilers ignore other values (with a warning). */
  private packValue(): number | undefined {
    const value = Number(this.constant().value);
    return [1, 2, 4, 8, 16].includes(value) ? value : this.pack;
  }

  private typedef(declarator: Declarator): void {
    const { unit } = this;
    const name = declarator.name as string;
    const at = declarator.token as Token;
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
  }

  /** A prototype, or a definition whose body is skipped; true when it had a body. */
  private functionDeclaration(specifiers: Specifiers, declarator: Declarator): boolean {
    const hasBody = this.cursor.is('{');
    this.unit.functions.push({
      name: declarator.name as string,
      type: declarator.type as Extract<CType, { kind: 'function' }>,
      isStatic: specifiers.isStatic,
      isInline: specifiers.isInline,
      hasBody,
      token: declarator.token as Token,
    });
    if (hasBody) this.skipBalanced('{', '}');
    return hasBody;
  }

  private variable(declarator: Declarator): void {
    if (this.cursor.accept('=')) this.skipInitializer();
    this.unit.variables.push({
      name: declarator.name as string,
      type: declarator.type,
      token: declarator.token as Token,
    });
  }

  // ---- specifiers ------------------------------------------------------------------------------

  /** Declaration specifiers: storage class, qualifiers, attributes and exactly one type. */
  private specifiers(): Specifiers {
    const { cursor } = this;
    const attributes = noAttributes();
    const words: string[] = [];
    let type: CType | undefined;
    let isTypedef = false;
    let isStatic = false;
    let isInline = false;
    const first = cursor.peek() ?? this.endToken;
    for (;;) {
      this.attributes(attributes);
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
        type = this.recordSpecifier();
      } else if (word === 'enum') {
        if (type || words.length)
          throw errorAt(token, 'ERR_CODEGEN_SYNTAX', "two types in one declaration ('enum')");
        type = this.enumSpecifier();
      } else if (!type && words.length === 0 && this.isTypedefName(token)) {
        cursor.next();
        const typedef = this.unit.typedefs.get(word) as TypedefDeclaration;
        type = { kind: 'typedef', name: word, target: typedef.type };
      } else {
        break;
      }
    }
    if (!type) {
      if (words.length > 0) type = { kind: 'int', name: intTypeFrom(words, first) };
      else {
        const token = cursor.peek() ?? this.endToken;
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
  }

  /** `struct`/`union` with a tag, a member list or both; nesting is bounded. */
  private recordSpecifier(): CType {
    const keyword = this.cursor.peek() ?? this.endToken;
    return this.cursor.nested(keyword, 'struct or union', () => this.recordSpecifierAt());
  }

  private recordSpecifierAt(): CType {
    const { cursor, unit } = this;
    const keyword = cursor.next();
    const tag = keyword.text as 'struct' | 'union';
    const attributes = noAttributes();
    this.attributes(attributes);
    const nameToken = cursor.peek()?.kind === 'identifier' ? cursor.next() : undefined;
    this.attributes(attributes);
    let record: RecordType | undefined;
    if (nameToken) {
      const existing = unit.tags.get(nameToken.text);
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
        record = incompleteRecord(tag, nameToken.text);
        unit.tags.set(nameToken.text, record);
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
      record = incompleteRecord(tag, nameToken?.text);
      if (nameToken) unit.tags.set(nameToken.text, record);
    }
    cursor.expect('{');
    const fields: RecordField[] = [];
    while (!cursor.accept('}')) {
      if (cursor.accept(';')) continue;
      this.memberDeclaration(record, fields);
    }
    this.attributes(attributes);
    record.fields = fields;
    record.packed = attributes.packed;
    record.alignAttribute = attributes.aligned;
    record.maxFieldAlign = this.pack;
    if (!record.hasBitfields) computeLayout(record, this.model, keyword); // reports incomplete members here, with a location
    unit.records.push({ record, name: record.name ?? '', token: nameToken ?? keyword });
    return { kind: 'record', record };
  }

  /** One member declaration of a record (`int a, b : 3;`, or an anonymous struct/union). */
  private memberDeclaration(record: RecordType, fields: RecordField[]): void {
    const { cursor } = this;
    const specifiers = this.specifiers();
    if (cursor.accept(';')) {
      // An anonymous struct/union member (C11).
      fields.push({
        name: undefined,
        type: specifiers.type,
        bitWidth: undefined,
        alignAttribute: specifiers.attributes.aligned,
        token: undefined,
      });
      return;
    }
    for (;;) {
      const declarator = cursor.is(':')
        ? { name: undefined, token: undefined, type: specifiers.type }
        : this.declarator(specifiers.type, false);
      let bitWidth: number | undefined;
      if (cursor.accept(':')) {
        bitWidth = Number(this.constant().value);
        record.hasBitfields = true;
      } else if (declarator.token) {
        // A member must have a complete type (this also rejects a struct that contains itself);
        // only a trailing `[]` (flexible array member) may be incomplete.
        const resolved = resolveType(declarator.type);
        if (!(resolved.kind === 'array' && resolved.length === undefined))
          sizeAndAlign(declarator.type, this.model, declarator.token);
      }
      const fieldAttributes: Attributes = {
        packed: false,
        aligned: specifiers.attributes.aligned,
      };
      this.attributes(fieldAttributes);
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

  /** `enum` with a tag, an enumerator list or both. */
  private enumSpecifier(): CType {
    const { cursor } = this;
    const keyword = cursor.next();
    this.attributes(noAttributes());
    const nameToken = cursor.peek()?.kind === 'identifier' ? cursor.next() : undefined;
    if (nameToken) this.unit.tags.set(nameToken.text, 'enum');
    if (cursor.accept('{')) {
      let next = 0n;
      let previousType: IntTypeName | undefined;
      while (!cursor.accept('}')) {
        const value = this.enumerator(next, previousType);
        previousType = value.type;
        next = value.value + 1n;
        if (!cursor.accept(',')) {
          cursor.expect('}', 'to close the enum');
          break;
        }
      }
      this.attributes(noAttributes());
    } else if (!nameToken) {
      throw errorAt(keyword, 'ERR_CODEGEN_SYNTAX', "expected a name or '{' after 'enum'");
    }
    return { kind: 'enum', tag: nameToken?.text };
  }

  /**
   * One enumerator: `NAME` (the previous value + 1, computed in the previous enumerator's type, as
   * GCC does) or `NAME = constant`; its type is the first that holds the value.
   */
  private enumerator(implicit: bigint, previousType: IntTypeName | undefined): TypedValue {
    const { cursor, model, unit } = this;
    const name = cursor.next();
    if (name.kind !== 'identifier')
      throw errorAt(name, 'ERR_CODEGEN_SYNTAX', `expected an enumerator name, got '${name.text}'`);
    let value = implicit;
    if (cursor.accept('=') !== undefined) value = this.constant().value;
    else if (previousType && !fitsType(value, previousType, model)) {
      throw errorAt(
        name,
        'ERR_CODEGEN_NOT_CONSTANT',
        `overflow in enumeration values: '${name.text}' would be ${value}`,
      );
    }
    if (unit.enumConstants.has(name.text))
      throw errorAt(name, 'ERR_CODEGEN_REDEFINITION', `redeclaration of enumerator '${name.text}'`);
    const type = enumeratorTypes.find((t) => fitsType(value, t, model));
    if (!type) {
      throw errorAt(
        name,
        'ERR_CODEGEN_NOT_CONSTANT',
        `enumerator '${name.text}' overflows: ${value} fits no integer type`,
      );
    }
    unit.enumConstants.set(name.text, { name: name.text, value: { value, type }, token: name });
    return { value, type };
  }

  // ---- attributes ------------------------------------------------------------------------------

  /** Reads any run of `__attribute__((…))`, `__declspec(…)` and `__asm__(…)` into `into`. */
  private attributes(into: Attributes): void {
    const { cursor } = this;
    for (;;) {
      const token = cursor.peek();
      if (token?.kind !== 'identifier') return;
      if (token.text === '__attribute__' || token.text === '__attribute') {
        cursor.next();
        this.gnuAttributeList(into);
      } else if (token.text === '__declspec') {
        cursor.next();
        this.declspec(into);
      } else if (token.text === '__asm__' || token.text === '__asm' || token.text === 'asm') {
        cursor.next();
        this.skipBalanced('(', ')');
      } else {
        return;
      }
    }
  }

  /** `((packed, aligned(N), …))` after `__attribute__`; unknown attributes are skipped. */
  private gnuAttributeList(into: Attributes): void {
    const { cursor } = this;
    cursor.expect('(', "after '__attribute__'");
    cursor.expect('(', "after '__attribute__('");
    while (!cursor.is(')')) {
      const name = cursor.next();
      const plain = name.text.replace(/^__(.*)__$/, '$1');
      if (cursor.is('(')) {
        if (plain === 'aligned') {
          cursor.next();
          into.aligned = this.alignment(name);
          cursor.expect(')');
        } else {
          this.skipBalanced('(', ')');
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
  }

  /** `(align(N))` after `__declspec`; other specifiers are skipped. */
  private declspec(into: Attributes): void {
    const { cursor } = this;
    cursor.expect('(');
    const name = cursor.next();
    if (name.text === 'align' && cursor.accept('(')) {
      into.aligned = this.alignment(name);
      cursor.expect(')');
    } else if (cursor.is('(')) {
      this.skipBalanced('(', ')');
    }
    cursor.expect(')');
  }

  /** An alignment operand: a constant power of 2 no larger than 2^28. */
  private alignment(at: Token): number {
    const value = this.constant().value;
    if (value <= 0n || (value & (value - 1n)) !== 0n || value > 1n << 28n) {
      throw errorAt(
        at,
        'ERR_CODEGEN_SYNTAX',
        `requested alignment ${value} is not a positive power of 2`,
      );
    }
    return Number(value);
  }

  // ---- declarators -----------------------------------------------------------------------------

  /** A type name (`unsigned int`, `struct sockaddr`, `char[4]`): specifiers and an abstract declarator. */
  private typeName(): CType {
    const specifiers = this.specifiers();
    const declarator = this.declarator(specifiers.type, true);
    if (declarator.name)
      throw errorAt(
        declarator.token as Token,
        'ERR_CODEGEN_SYNTAX',
        'a type name cannot declare a name',
      );
    return declarator.type;
  }

  /** A declarator applied to `base`; `abstract` when the name may be missing. Nesting is bounded. */
  private declarator(base: CType, abstract: boolean): Declarator {
    const at = this.cursor.peek() ?? this.endToken;
    return this.cursor.nested(at, 'declarator', () => this.declaratorAt(base, abstract));
  }

  private declaratorAt(base: CType, abstract: boolean): Declarator {
    const { cursor } = this;
    let pointers = 0;
    for (;;) {
      if (cursor.accept('*')) pointers++;
      else if (
        cursor.peek()?.kind === 'identifier' &&
        qualifierKeywords.has(cursor.peek()?.text ?? '')
      )
        cursor.next();
      else if (cursor.is('__attribute__') || cursor.is('__declspec'))
        this.attributes(noAttributes());
      else break;
    }
    let inner: ((type: CType) => Declarator) | undefined;
    let name: string | undefined;
    let nameToken: Token | undefined;
    if (cursor.is('(') && this.startsNestedDeclarator()) {
      cursor.next();
      const saved = cursor.position;
      // Parse the inner declarator against a placeholder, then re-parse once the outer type is known.
      this.declarator({ kind: 'void' }, abstract);
      inner = (outer) => {
        const resume = cursor.position;
        cursor.position = saved;
        const result = this.declarator(outer, abstract);
        cursor.position = resume;
        return result;
      };
      cursor.expect(')', 'to close the declarator');
    } else if (cursor.peek()?.kind === 'identifier' && !(abstract && this.startsTypeName())) {
      nameToken = cursor.next();
      name = nameToken.text;
    } else if (!abstract) {
      const token = cursor.peek() ?? this.endToken;
      throw errorAt(
        token,
        'ERR_CODEGEN_SYNTAX',
        `expected a declarator name before '${token.text}'`,
      );
    }
    const suffixes = this.declaratorSuffixes();
    let type = base;
    for (let i = 0; i < pointers; i++) type = { kind: 'pointer', to: type };
    for (let i = suffixes.length - 1; i >= 0; i--)
      type = (suffixes[i] as (t: CType) => CType)(type);
    if (inner) return inner(type);
    return { name, token: nameToken, type };
  }

  /** `[N]`, `[]` and `(parameters)` after a declarator, each as a function of the type before it. */
  private declaratorSuffixes(): ((type: CType) => CType)[] {
    const { cursor } = this;
    const suffixes: ((type: CType) => CType)[] = [];
    for (;;) {
      if (cursor.is('[')) {
        const open = cursor.next();
        if (cursor.accept(']')) {
          suffixes.push((of) => ({ kind: 'array', of, length: undefined }));
          continue;
        }
        const length = this.arrayLength(open);
        suffixes.push((of) => ({ kind: 'array', of, length }));
      } else if (cursor.is('(')) {
        const { params, variadic } = this.parameters();
        suffixes.push((returns) => ({ kind: 'function', returns, params, variadic }));
      } else {
        return suffixes;
      }
    }
  }

  /** `N]` of an array declarator: a constant from 0 to 2^31 - 1. */
  private arrayLength(open: Token): number {
    const size = this.constant();
    this.cursor.expect(']', 'to close the array size');
    if (size.value < 0n)
      throw errorAt(open, 'ERR_CODEGEN_BAD_ARRAY_SIZE', `array size is negative (${size.value})`);
    if (size.value > 0x7fffffffn)
      throw errorAt(open, 'ERR_CODEGEN_BAD_ARRAY_SIZE', `array size ${size.value} is too large`);
    return Number(size.value);
  }

  /** A parameter list: `()`, `(void)`, or declarations with an optional `...`. */
  private parameters(): { params: CParameter[]; variadic: boolean } {
    const { cursor } = this;
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
      const specifiers = this.specifiers();
      const declarator = this.declarator(specifiers.type, true);
      let type = declarator.type;
      // Array and function parameters are adjusted to pointers (C11 6.7.6.3p7–8).
      if (type.kind === 'array') type = { kind: 'pointer', to: type.of };
      if (type.kind === 'function') type = { kind: 'pointer', to: type };
      params.push({ name: declarator.name, type });
      if (!cursor.accept(',')) break;
    }
    cursor.expect(')', 'to close the parameter list');
    return { params, variadic };
  }

  /** Whether the `(` at the cursor opens a nested declarator (`(*f)(…)`) rather than parameters. */
  private startsNestedDeclarator(): boolean {
    const next = this.cursor.peek(1);
    if (!next) return false;
    if (next.kind === 'punctuator')
      return next.text === '*' || next.text === '(' || next.text === '[';
    if (next.kind === 'identifier')
      return !this.startsTypeNameAt(1) && next.text !== '__attribute__';
    return false;
  }

  private startsTypeNameAt(offset: number): boolean {
    const { cursor } = this;
    cursor.position += offset;
    const result = this.startsTypeName() || cursor.is('...');
    cursor.position -= offset;
    return result;
  }

  /** Whether the token at the cursor can start a type name (keyword, qualifier or typedef). */
  private startsTypeName(): boolean {
    return startsTypeName(this.cursor.peek(), this.unit);
  }

  private isTypedefName(token: Token | undefined): boolean {
    return token !== undefined && token.kind === 'identifier' && this.unit.typedefs.has(token.text);
  }

  // ---- constants and skipped text ------------------------------------------------------------

  /** An integer constant expression, with the unit's enumerators and the target's sizes. */
  private constant(): TypedValue {
    const { model, unit } = this;
    return evaluate(parseExpression(this.cursor, model, this.typeNames), {
      model,
      preprocessor: false,
      identifier: (token) => unit.enumConstants.get(token.text)?.value,
      sizeOf: (type, at) => sizeAndAlign(type, model, at).size,
      alignOf: (type, at) => sizeAndAlign(type, model, at).align,
    });
  }

  private skipBalanced(open: string, close: string): void {
    const { cursor } = this;
    const start = cursor.expect(open);
    let depth = 1;
    while (depth > 0) {
      if (cursor.atEnd()) throw errorAt(start, 'ERR_CODEGEN_SYNTAX', `unbalanced '${open}'`);
      const token = cursor.next();
      if (token.kind === 'punctuator' && token.text === open) depth++;
      else if (token.kind === 'punctuator' && token.text === close) depth--;
    }
  }

  /** Skips `= …` up to the `,` or `;` that ends the declarator. */
  private skipInitializer(): void {
    const { cursor } = this;
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

/** Whether `token` can start a type name in the scope of `unit` (keyword, qualifier or typedef). */
export function startsTypeName(token: Token | undefined, unit: TranslationUnit): boolean {
  if (token?.kind !== 'identifier') return false;
  return (
    typeKeywords.has(token.text) ||
    qualifierKeywords.has(token.text) ||
    unit.typedefs.has(token.text)
  );
}

function incompleteRecord(tag: 'struct' | 'union', name: string | undefined): RecordType {
  return {
    tag,
    name,
    fields: undefined,
    packed: false,
    alignAttribute: undefined,
    maxFieldAlign: undefined,
    hasBitfields: false,
  };
}

function sameType(a: CType, b: CType): boolean {
  return (
    JSON.stringify(a, (key, value) => (key === 'record' ? value.name : value)) ===
    JSON.stringify(b, (key, value) => (key === 'record' ? value.name : value))
  );
}
