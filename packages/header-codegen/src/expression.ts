/**
 * C constant expressions: one parser for `#if` lines, macro bodies, array sizes and enum values,
 * and an evaluator with C's integer types and signedness for a given data model. Literal tokens
 * are decoded by `literals.ts`.
 */
import {
  bitsOf,
  type CType,
  commonType,
  type DataModel,
  type IntTypeName,
  isUnsigned,
  promote,
  resolveType,
  wrapToType,
} from './c-types.js';
import { errorAt, type Token } from './lexer.js';
import { decodeChar, decodeNumber, decodeStrings } from './literals.js';
import type { TokenCursor } from './token-cursor.js';

export type Expr =
  | { readonly k: 'int'; readonly value: bigint; readonly type: IntTypeName; readonly token: Token }
  | { readonly k: 'float'; readonly text: string; readonly token: Token }
  | {
      readonly k: 'string';
      readonly value: string;
      /** Code units (bytes, or `wchar_t`s), without the terminating NUL. */
      readonly units: number;
      readonly wide: boolean;
      readonly token: Token;
    }
  | { readonly k: 'ident'; readonly name: string; readonly token: Token }
  | { readonly k: 'unary'; readonly op: string; readonly arg: Expr; readonly token: Token }
  | {
      readonly k: 'binary';
      readonly op: string;
      readonly left: Expr;
      readonly right: Expr;
      readonly token: Token;
    }
  | {
      readonly k: 'conditional';
      readonly test: Expr;
      readonly then: Expr;
      readonly otherwise: Expr;
      readonly token: Token;
    }
  | { readonly k: 'cast'; readonly type: CType; readonly arg: Expr; readonly token: Token }
  | { readonly k: 'sizeof'; readonly type: CType; readonly token: Token }
  | { readonly k: 'sizeofExpr'; readonly arg: Expr; readonly token: Token }
  | { readonly k: 'alignof'; readonly type: CType; readonly token: Token }
  | {
      readonly k: 'call';
      readonly callee: Expr;
      readonly args: readonly Expr[];
      readonly token: Token;
    }
  | { readonly k: 'member'; readonly object: Expr; readonly name: string; readonly token: Token };

/** What the expression parser needs from the declaration parser: type names for casts and sizeof. */
export interface TypeNameParser {
  startsTypeName(cursor: TokenCursor): boolean;
  parseTypeName(cursor: TokenCursor): CType;
}

const noTypes: TypeNameParser = {
  startsTypeName: () => false,
  parseTypeName: () => ({ kind: 'void' }),
};

const binaryPrecedence: Record<string, number> = {
  '||': 1,
  '&&': 2,
  '|': 3,
  '^': 4,
  '&': 5,
  '==': 6,
  '!=': 6,
  '<': 7,
  '>': 7,
  '<=': 7,
  '>=': 7,
  '<<': 8,
  '>>': 8,
  '+': 9,
  '-': 9,
  '*': 10,
  '/': 10,
  '%': 10,
};

/** Parses one (full, comma-free unless `allowComma`) expression. */
export function parseExpression(
  cursor: TokenCursor,
  model: DataModel,
  types: TypeNameParser = noTypes,
  allowComma = false,
): Expr {
  const parseConditional = (): Expr => {
    const test = parseBinary(1);
    const question = cursor.accept('?');
    if (!question) return test;
    const then = parseExpression(cursor, model, types, true);
    cursor.expect(':', "in '?:' expression");
    const otherwise = parseConditional();
    return { k: 'conditional', test, then, otherwise, token: question };
  };

  const parseBinary = (minPrecedence: number): Expr => {
    let left = parseUnary();
    for (;;) {
      const token = cursor.peek();
      if (token?.kind !== 'punctuator') return left;
      const precedence = binaryPrecedence[token.text];
      if (precedence === undefined || precedence < minPrecedence) return left;
      cursor.next();
      const right = parseBinary(precedence + 1);
      left = { k: 'binary', op: token.text, left, right, token };
    }
  };

  const parseUnary = (): Expr => {
    const token = cursor.peek();
    return cursor.nested(token ?? cursor.end, 'expression', () => parseUnaryAt(token));
  };

  const parseUnaryAt = (token: Token | undefined): Expr => {
    if (!token) return parsePrimary();
    if (token.kind === 'punctuator' && ['-', '+', '!', '~'].includes(token.text)) {
      cursor.next();
      return { k: 'unary', op: token.text, arg: parseUnary(), token };
    }
    if (token.kind === 'punctuator' && ['&', '*', '++', '--'].includes(token.text)) {
      cursor.next();
      return { k: 'unary', op: token.text, arg: parseUnary(), token };
    }
    if (
      token.kind === 'identifier' &&
      (token.text === 'sizeof' || token.text === '_Alignof' || token.text === '__alignof__')
    ) {
      cursor.next();
      if (
        cursor.is('(') &&
        (() => {
          cursor.position++;
          const t = types.startsTypeName(cursor);
          cursor.position--;
          return t;
        })()
      ) {
        cursor.expect('(');
        const type = types.parseTypeName(cursor);
        cursor.expect(')', `after type name in '${token.text}'`);
        return token.text === 'sizeof'
          ? { k: 'sizeof', type, token }
          : { k: 'alignof', type, token };
      }
      if (token.text !== 'sizeof')
        throw errorAt(token, 'ERR_CODEGEN_SYNTAX', `'${token.text}' needs a type name`);
      return { k: 'sizeofExpr', arg: parseUnary(), token };
    }
    if (token.text === '(' && token.kind === 'punctuator') {
      cursor.next();
      if (types.startsTypeName(cursor)) {
        const type = types.parseTypeName(cursor);
        cursor.expect(')', 'after type name in cast');
        return { k: 'cast', type, arg: parseUnary(), token };
      }
      cursor.position--;
    }
    return parsePostfix(parsePrimary());
  };

  const parsePostfix = (base: Expr): Expr => {
    let expr = base;
    for (;;) {
      const token = cursor.peek();
      if (token?.kind !== 'punctuator') return expr;
      if (token.text === '(') {
        cursor.next();
        const args: Expr[] = [];
        if (!cursor.accept(')')) {
          do args.push(parseExpression(cursor, model, types));
          while (cursor.accept(','));
          cursor.expect(')', 'to close the argument list');
        }
        expr = { k: 'call', callee: expr, args, token };
      } else if (token.text === '.' || token.text === '->') {
        cursor.next();
        const name = cursor.next();
        expr = { k: 'member', object: expr, name: name.text, token };
      } else if (token.text === '[') {
        cursor.next();
        const index = parseExpression(cursor, model, types, true);
        cursor.expect(']');
        expr = {
          k: 'unary',
          op: '*',
          arg: { k: 'binary', op: '+', left: expr, right: index, token },
          token,
        };
      } else {
        return expr;
      }
    }
  };

  const parsePrimary = (): Expr => {
    const token = cursor.next();
    switch (token.kind) {
      case 'number': {
        const literal = decodeNumber(token, model);
        return literal.k === 'int'
          ? { k: 'int', value: literal.value, type: literal.type, token }
          : { k: 'float', text: token.text, token };
      }
      case 'char':
        return { k: 'int', ...decodeChar(token, model), token };
      case 'string': {
        const parts = [token];
        while (cursor.peek()?.kind === 'string') parts.push(cursor.next());
        return { k: 'string', ...decodeStrings(parts, model), token };
      }
      case 'identifier':
        return { k: 'ident', name: token.text, token };
      case 'punctuator':
        if (token.text === '(') {
          const inner = parseExpression(cursor, model, types, true);
          cursor.expect(')', 'to close the parenthesis');
          return inner;
        }
        throw errorAt(token, 'ERR_CODEGEN_SYNTAX', `expected an expression before '${token.text}'`);
      default:
        throw errorAt(token, 'ERR_CODEGEN_SYNTAX', `unexpected '${token.text}' in expression`);
    }
  };

  let expr = parseConditional();
  while (allowComma && cursor.is(',')) {
    const token = cursor.next();
    expr = { k: 'binary', op: ',', left: expr, right: parseConditional(), token };
  }
  return expr;
}

/** An integer value with its C type. */
export interface TypedValue {
  readonly value: bigint;
  readonly type: IntTypeName;
}

export interface EvaluationContext {
  readonly model: DataModel;
  /** `#if` arithmetic: every integer is intmax_t or uintmax_t. */
  readonly preprocessor: boolean;
  /** Value of an identifier (enum constant, …); undefined → "not a constant". */
  identifier?(token: Token): TypedValue | undefined;
  sizeOf?(type: CType, at: Token): number;
  alignOf?(type: CType, at: Token): number;
}

function castTarget(type: CType, at: Token): IntTypeName {
  const resolved = resolveType(type);
  if (resolved.kind === 'int') return resolved.name;
  if (resolved.kind === 'enum') return 'int';
  throw errorAt(
    at,
    'ERR_CODEGEN_NOT_CONSTANT',
    'only casts to integer types are supported in constant expressions',
  );
}

/** Evaluates an integer constant expression. */
export function evaluate(expr: Expr, context: EvaluationContext): TypedValue {
  const { model } = context;
  const norm = (type: IntTypeName): IntTypeName => {
    if (!context.preprocessor) return promote(type, model);
    return isUnsigned(promote(type, model), model) ? 'unsigned long long' : 'long long';
  };
  const make = (value: bigint, type: IntTypeName): TypedValue => ({
    value: wrapToType(value, type, model),
    type,
  });
  const truth = (value: boolean): TypedValue => ({
    value: value ? 1n : 0n,
    type: context.preprocessor ? 'long long' : 'int',
  });

  const visit = (node: Expr): TypedValue => {
    switch (node.k) {
      case 'int':
        // A literal keeps its own type (`L'A'` is wchar_t); operators promote their operands.
        return make(node.value, context.preprocessor ? norm(node.type) : node.type);
      case 'float':
        throw errorAt(
          node.token,
          'ERR_CODEGEN_NOT_CONSTANT',
          'floating-point constants are not integer constants',
        );
      case 'string':
        throw errorAt(
          node.token,
          'ERR_CODEGEN_NOT_CONSTANT',
          'a string literal is not an integer constant',
        );
      case 'ident': {
        const value = context.identifier?.(node.token);
        if (value) return value;
        if (node.token.hideSet?.has(node.name)) {
          throw errorAt(
            node.token,
            'ERR_CODEGEN_RECURSIVE_MACRO',
            `macro '${node.name}' expands to itself, so it has no value`,
          );
        }
        throw errorAt(
          node.token,
          'ERR_CODEGEN_NOT_CONSTANT',
          `'${node.name}' is not a constant here`,
        );
      }
      case 'unary': {
        if (node.op === '&' || node.op === '*' || node.op === '++' || node.op === '--') {
          throw errorAt(
            node.token,
            'ERR_CODEGEN_NOT_CONSTANT',
            `'${node.op}' is not allowed in an integer constant expression`,
          );
        }
        const arg = visit(node.arg);
        if (node.op === '!') return truth(arg.value === 0n);
        const type = norm(arg.type);
        if (node.op === '-') return make(-arg.value, type);
        if (node.op === '~') return make(~arg.value, type);
        return make(arg.value, type);
      }
      case 'binary':
        return binary(node);
      case 'conditional': {
        const test = visit(node.test);
        // Both arms decide the type; only the chosen one must be a constant.
        const chosen = visit(test.value !== 0n ? node.then : node.otherwise);
        let otherType: IntTypeName = chosen.type;
        try {
          otherType = visit(test.value !== 0n ? node.otherwise : node.then).type;
        } catch {
          // The other arm may be unevaluable (e.g. division by zero); C only needs its type.
        }
        const type = commonType(chosen.type, otherType, model);
        return make(chosen.value, context.preprocessor ? norm(type) : type);
      }
      case 'cast': {
        const arg = visit(node.arg);
        const target = castTarget(node.type, node.token);
        return make(arg.value, context.preprocessor ? norm(target) : target);
      }
      case 'sizeof':
      case 'alignof': {
        const fn = node.k === 'sizeof' ? context.sizeOf : context.alignOf;
        if (!fn)
          throw errorAt(
            node.token,
            'ERR_CODEGEN_NOT_CONSTANT',
            `'${node.token.text}' cannot be used in '#if'`,
          );
        return make(BigInt(fn(node.type, node.token)), model.sizeType);
      }
      case 'sizeofExpr':
        if (node.arg.k === 'string' && context.sizeOf) {
          const unit = node.arg.wide ? model.sizes[model.wcharType] : 1;
          return make(BigInt((node.arg.units + 1) * unit), model.sizeType);
        }
        throw errorAt(
          node.token,
          'ERR_CODEGEN_NOT_CONSTANT',
          "only 'sizeof(type)' and 'sizeof \"literal\"' are supported",
        );
      case 'call':
        throw errorAt(
          node.token,
          'ERR_CODEGEN_NOT_CONSTANT',
          'a function call is not a constant expression',
        );
      case 'member':
        throw errorAt(
          node.token,
          'ERR_CODEGEN_NOT_CONSTANT',
          'member access is not a constant expression',
        );
    }
  };

  const binary = (node: Extract<Expr, { k: 'binary' }>): TypedValue => {
    const { op } = node;
    if (op === '&&') {
      const left = visit(node.left);
      if (left.value === 0n) return truth(false);
      return truth(visit(node.right).value !== 0n);
    }
    if (op === '||') {
      const left = visit(node.left);
      if (left.value !== 0n) return truth(true);
      return truth(visit(node.right).value !== 0n);
    }
    if (op === ',') {
      visit(node.left);
      return visit(node.right);
    }
    const left = visit(node.left);
    const right = visit(node.right);
    if (op === '<<' || op === '>>') {
      const type = norm(left.type);
      const bits = BigInt(bitsOf(type, model));
      if (right.value < 0n || right.value >= bits) {
        throw errorAt(
          node.token,
          'ERR_CODEGEN_NOT_CONSTANT',
          `shift count ${right.value} is out of range for '${type}'`,
        );
      }
      if (op === '<<') return make(left.value << right.value, type);
      return make(left.value >> right.value, type);
    }
    const type = context.preprocessor
      ? isUnsigned(norm(left.type), model) || isUnsigned(norm(right.type), model)
        ? 'unsigned long long'
        : 'long long'
      : commonType(left.type, right.type, model);
    const a = wrapToType(left.value, type, model);
    const b = wrapToType(right.value, type, model);
    switch (op) {
      case '+':
        return make(a + b, type);
      case '-':
        return make(a - b, type);
      case '*':
        return make(a * b, type);
      case '/':
      case '%':
        if (b === 0n)
          throw errorAt(node.token, 'ERR_CODEGEN_DIVISION_BY_ZERO', `division by zero in '${op}'`);
        return make(op === '/' ? a / b : a % b, type);
      case '&':
        return make(a & b, type);
      case '|':
        return make(a | b, type);
      case '^':
        return make(a ^ b, type);
      case '==':
        return truth(a === b);
      case '!=':
        return truth(a !== b);
      case '<':
        return truth(a < b);
      case '>':
        return truth(a > b);
      case '<=':
        return truth(a <= b);
      case '>=':
        return truth(a >= b);
      default:
        throw errorAt(node.token, 'ERR_CODEGEN_SYNTAX', `unknown operator '${op}'`);
    }
  };

  return visit(expr);
}
