/**
 * C literals decoded from their tokens: integer constants with their C type, character constants
 * and (concatenated) string literals, with escapes checked against the target's character widths.
 * Nothing here parses or evaluates an expression.
 */
import { bitsOf, type DataModel, type IntTypeName, isUnsigned, wrapToType } from './c-types.js';
import { errorAt, type Token } from './lexer.js';

/** What a number token holds: an integer with its C type (C11 6.4.4.1), or a floating constant. */
export type NumberLiteral =
  | { readonly k: 'int'; readonly value: bigint; readonly type: IntTypeName }
  | { readonly k: 'float' };

/** An integer value with its C type, as a character constant gives it. */
export interface CharLiteral {
  readonly value: bigint;
  readonly type: IntTypeName;
}

/** One string literal, or several adjacent ones concatenated. */
export interface StringLiteral {
  readonly value: string;
  /** Code units (bytes, or `wchar_t`s), without the terminating NUL. */
  readonly units: number;
  readonly wide: boolean;
}

/** Decodes a number token: its value and the first type of C's list in which the value fits. */
export function decodeNumber(token: Token, model: DataModel): NumberLiteral {
  const match = /^(0[xX][0-9a-fA-F]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)([uUlL]*)$/.exec(token.text);
  if (!match) {
    if (/^[0-9.]/.test(token.text) && /[.eEpP]/.test(token.text)) return { k: 'float' };
    throw errorAt(token, 'ERR_CODEGEN_SYNTAX', `invalid number '${token.text}'`);
  }
  const digits = match[1] as string;
  const suffix = (match[2] as string).toLowerCase();
  if (!['', 'u', 'l', 'ul', 'lu', 'll', 'ull', 'llu'].includes(suffix)) {
    throw errorAt(token, 'ERR_CODEGEN_SYNTAX', `invalid suffix '${match[2]}' on integer constant`);
  }
  const value =
    digits.length > 1 && digits[0] === '0' && /[0-7]/.test(digits[1] as string)
      ? BigInt(`0o${digits.slice(1)}`)
      : BigInt(digits);
  const decimal = /^[1-9]/.test(digits) || digits === '0';
  const unsignedSuffix = suffix.includes('u');
  const longness = suffix.includes('ll') ? 2 : suffix.includes('l') ? 1 : 0;
  // C11 6.4.4.1: the first type of the list in which the value fits.
  const candidates: IntTypeName[] = [];
  const ladder: IntTypeName[][] = [
    ['int', 'unsigned int'],
    ['long', 'unsigned long'],
    ['long long', 'unsigned long long'],
  ];
  for (const [signedType, unsignedType] of ladder.slice(longness)) {
    if (!unsignedSuffix) candidates.push(signedType as IntTypeName);
    if (unsignedSuffix || !decimal) candidates.push(unsignedType as IntTypeName);
  }
  const type = candidates.find(
    (t) => value <= (1n << BigInt(bitsOf(t, model) - (isUnsigned(t, model) ? 0 : 1))) - 1n,
  );
  if (!type)
    throw errorAt(
      token,
      'ERR_CODEGEN_SYNTAX',
      `integer constant '${token.text}' is too large for any type`,
    );
  return { k: 'int', value, type };
}

const simpleEscapes: Record<string, number> = {
  n: 10,
  t: 9,
  r: 13,
  '0': 0,
  a: 7,
  b: 8,
  f: 12,
  v: 11,
  '\\': 92,
  "'": 39,
  '"': 34,
  '?': 63,
};

const utf8 = new TextEncoder();

/**
 * Decodes the body of a char or string literal into code units: bytes for narrow literals (source
 * characters as UTF-8), `wchar_t` units for wide ones. Escapes must fit the unit, as in C.
 */
export function decodeLiteralBody(body: string, token: Token, unitBits: number): number[] {
  const out: number[] = [];
  const max = 2 ** unitBits - 1;
  const escaped = (value: number, text: string) => {
    if (value > max) {
      throw errorAt(
        token,
        'ERR_CODEGEN_SYNTAX',
        `escape sequence '${text}' is out of range for a ${unitBits}-bit character`,
      );
    }
    out.push(value);
  };
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string;
    if (c !== '\\') {
      const point = body.codePointAt(i) as number;
      if (point > 0xffff) i++;
      if (unitBits === 8)
        for (const byte of utf8.encode(String.fromCodePoint(point))) out.push(byte);
      else if (unitBits === 16 && point > 0xffff)
        out.push(0xd800 + ((point - 0x10000) >> 10), 0xdc00 + ((point - 0x10000) & 0x3ff));
      else out.push(point);
      continue;
    }
    const e = body[++i];
    if (e === undefined) throw errorAt(token, 'ERR_CODEGEN_SYNTAX', 'escape at end of literal');
    if (e === 'x') {
      const hex = /^[0-9a-fA-F]+/.exec(body.slice(i + 1, i + 65));
      if (!hex) throw errorAt(token, 'ERR_CODEGEN_SYNTAX', '\\x used with no following hex digits');
      escaped(Number.parseInt(hex[0].replace(/^0+(?=.)/, '').slice(0, 16), 16), `\\x${hex[0]}`);
      i += hex[0].length;
    } else if (/[0-7]/.test(e)) {
      const oct = /^[0-7]{1,3}/.exec(body.slice(i, i + 3)) as RegExpExecArray;
      escaped(Number.parseInt(oct[0], 8), `\\${oct[0]}`);
      i += oct[0].length - 1;
    } else if (e in simpleEscapes) {
      out.push(simpleEscapes[e] as number);
    } else {
      throw errorAt(token, 'ERR_CODEGEN_SYNTAX', `unknown escape sequence '\\${e}'`);
    }
  }
  return out;
}

/** Decodes a character constant (`'V'`, `'\\377'`, `L'A'`, multi-character `'ab'`). */
export function decodeChar(token: Token, model: DataModel): CharLiteral {
  const match = /^(u8|u|U|L)?'(.*)'$/s.exec(token.text) as RegExpExecArray;
  const prefix = match[1];
  if (prefix && prefix !== 'L') {
    throw errorAt(token, 'ERR_CODEGEN_SYNTAX', `'${prefix}' character constants are not supported`);
  }
  const wide = prefix === 'L';
  const codes = decodeLiteralBody(
    match[2] as string,
    token,
    wide ? bitsOf(model.wcharType, model) : 8,
  );
  if (codes.length === 0) throw errorAt(token, 'ERR_CODEGEN_SYNTAX', 'empty character constant');
  if (wide) {
    return {
      value: wrapToType(BigInt(codes[0] as number), model.wcharType, model),
      type: model.wcharType,
    };
  }
  // Multi-character constants are implementation-defined; GCC and Clang pack them big-endian.
  let value = 0n;
  for (const code of codes.slice(-4)) value = (value << 8n) | BigInt(code & 0xff);
  const single =
    codes.length === 1
      ? wrapToType(BigInt(codes[0] as number), 'char', model)
      : wrapToType(value, 'int', model);
  return { value: single, type: 'int' };
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function unitsToString(units: readonly number[], wide: boolean, unitBits: number): string {
  if (!wide) {
    const bytes = Uint8Array.from(units);
    try {
      return strictUtf8.decode(bytes);
    } catch {
      return Buffer.from(bytes).toString('latin1');
    }
  }
  let text = '';
  for (let i = 0; i < units.length; i += 8192) {
    const chunk = units.slice(i, i + 8192);
    text +=
      unitBits === 16
        ? String.fromCharCode(...chunk)
        : String.fromCodePoint(...chunk.map((u) => Math.min(u, 0x10ffff)));
  }
  return text;
}

/** Decodes adjacent string literals as one (C11 6.4.5: one wide part makes the whole wide). */
export function decodeStrings(tokens: readonly Token[], model: DataModel): StringLiteral {
  const wide = tokens.some((t) => t.text.startsWith('L'));
  const unitBits = wide ? bitsOf(model.wcharType, model) : 8;
  const units: number[] = [];
  for (const token of tokens) {
    const match = /^(u8|u|U|L)?"(.*)"$/s.exec(token.text) as RegExpExecArray;
    if (match[1] && match[1] !== 'L') {
      throw errorAt(token, 'ERR_CODEGEN_SYNTAX', `'${match[1]}' string literals are not supported`);
    }
    for (const unit of decodeLiteralBody(match[2] as string, token, unitBits)) units.push(unit);
  }
  return { value: unitsToString(units, wide, unitBits), units: units.length, wide };
}
