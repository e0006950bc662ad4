/**
 * Literal decoding (`src/literals.ts`), one behaviour per test: integer constants and their C
 * types, character constants, string literals and escapes, per target data model.
 */
import { describe, expect, it } from 'vitest';
import { decodeChar, decodeLiteralBody, decodeNumber, decodeStrings } from '../src/literals.js';
import { getTargetProfile } from '../src/targets.js';
import { codegenErrorOf, lexLine, lexToken } from './helpers.js';

const lp64 = getTargetProfile('linux-x64').model;
const arm64 = getTargetProfile('linux-arm64').model;
const llp64 = getTargetProfile('win32-x64').model;

describe('decodeNumber', () => {
  it('types a small decimal constant as int', () => {
    expect(decodeNumber(lexToken('42'), lp64)).toEqual({ k: 'int', value: 42n, type: 'int' });
  });

  it('types a hex constant above INT_MAX as unsigned int', () => {
    expect(decodeNumber(lexToken('0x80000000'), lp64)).toEqual({
      k: 'int',
      value: 0x80000000n,
      type: 'unsigned int',
    });
  });

  it('never types a decimal constant without u as unsigned', () => {
    expect(decodeNumber(lexToken('2147483648'), lp64)).toMatchObject({ type: 'long' });
    expect(decodeNumber(lexToken('2147483648'), llp64)).toMatchObject({ type: 'long long' });
  });

  it('reads octal and binary digits', () => {
    expect(decodeNumber(lexToken('0755'), lp64)).toMatchObject({ value: 0o755n });
    expect(decodeNumber(lexToken('0b101'), lp64)).toMatchObject({ value: 5n });
  });

  it('starts the type list at the suffix', () => {
    expect(decodeNumber(lexToken('1u'), lp64)).toMatchObject({ type: 'unsigned int' });
    expect(decodeNumber(lexToken('1LU'), lp64)).toMatchObject({ type: 'unsigned long' });
    expect(decodeNumber(lexToken('1ll'), lp64)).toMatchObject({ type: 'long long' });
  });

  it('reports a floating constant as such, without a value', () => {
    expect(decodeNumber(lexToken('1.5e3'), lp64)).toEqual({ k: 'float' });
  });

  it('refuses an invalid suffix with ERR_CODEGEN_SYNTAX', () => {
    const error = codegenErrorOf(() => decodeNumber(lexToken('1lul'), lp64));
    expect(error.code).toBe('ERR_CODEGEN_SYNTAX');
    expect(error.message).toMatch(/invalid suffix 'lul'/);
  });

  it('refuses a malformed number', () => {
    expect(codegenErrorOf(() => decodeNumber(lexToken('08'), lp64)).message).toMatch(
      /invalid number '08'/,
    );
  });

  it('refuses a constant too large for unsigned long long', () => {
    expect(
      codegenErrorOf(() => decodeNumber(lexToken('0x10000000000000000'), lp64)).message,
    ).toMatch(/too large for any type/);
  });
});

describe('decodeChar', () => {
  it("gives 'V' its code as an int", () => {
    expect(decodeChar(lexToken("'V'"), lp64)).toEqual({ value: 86n, type: 'int' });
  });

  it('reads a high octal escape as a plain char of the target', () => {
    expect(decodeChar(lexToken("'\\377'"), lp64).value).toBe(-1n);
    expect(decodeChar(lexToken("'\\377'"), arm64).value).toBe(255n);
  });

  it('packs a multi-character constant big-endian', () => {
    expect(decodeChar(lexToken("'ab'"), lp64).value).toBe(0x6162n);
  });

  it("types L'A' as the target's wchar_t", () => {
    expect(decodeChar(lexToken("L'A'"), lp64)).toEqual({ value: 65n, type: 'int' });
    expect(decodeChar(lexToken("L'A'"), llp64)).toEqual({ value: 65n, type: 'unsigned short' });
  });

  it('refuses an empty character constant', () => {
    expect(codegenErrorOf(() => decodeChar(lexToken("''"), lp64)).message).toMatch(
      /empty character constant/,
    );
  });

  it("refuses u'…' and U'…' constants", () => {
    expect(codegenErrorOf(() => decodeChar(lexToken("u'a'"), lp64)).message).toMatch(
      /'u' character constants are not supported/,
    );
  });
});

describe('decodeStrings', () => {
  it('concatenates adjacent literals and counts bytes without the NUL', () => {
    expect(decodeStrings(lexLine('"ab" "c"'), lp64)).toEqual({
      value: 'abc',
      units: 3,
      wide: false,
    });
  });

  it('makes the whole concatenation wide when one part is', () => {
    expect(decodeStrings(lexLine('"a" L"b"'), lp64)).toEqual({ value: 'ab', units: 2, wide: true });
  });

  it('counts a non-ASCII character as its UTF-8 bytes in a narrow literal', () => {
    expect(decodeStrings(lexLine('"é"'), lp64)).toEqual({ value: 'é', units: 2, wide: false });
  });

  it('keeps bytes that are not UTF-8 as Latin-1 characters', () => {
    expect(decodeStrings(lexLine('"\\xff"'), lp64).value).toBe('ÿ');
  });

  it('refuses u8"…" literals', () => {
    expect(codegenErrorOf(() => decodeStrings(lexLine('u8"a"'), lp64)).message).toMatch(
      /'u8' string literals are not supported/,
    );
  });
});

describe('decodeLiteralBody', () => {
  const at = lexToken('"x"');

  it('decodes the simple escapes', () => {
    expect(decodeLiteralBody('\\n\\t\\\\\\"\\?', at, 8)).toEqual([10, 9, 92, 34, 63]);
  });

  it('reads at most three octal digits', () => {
    expect(decodeLiteralBody('\\1234', at, 8)).toEqual([0o123, 0x34]);
  });

  it('reads every hex digit of \\x, ignoring leading zeros', () => {
    expect(decodeLiteralBody('\\x00041', at, 8)).toEqual([0x41]);
  });

  it('refuses an escape that does not fit the code unit', () => {
    const error = codegenErrorOf(() => decodeLiteralBody('\\x100', at, 8));
    expect(error.code).toBe('ERR_CODEGEN_SYNTAX');
    expect(error.message).toMatch(/out of range for a 8-bit character/);
  });

  it('writes a character outside the BMP as a surrogate pair in 16-bit units', () => {
    expect(decodeLiteralBody('😀', at, 16)).toEqual([0xd83d, 0xde00]);
  });

  it('refuses an unknown escape', () => {
    expect(codegenErrorOf(() => decodeLiteralBody('\\q', at, 8)).message).toMatch(
      /unknown escape sequence '\\q'/,
    );
  });

  it('refuses \\x without hex digits', () => {
    expect(codegenErrorOf(() => decodeLiteralBody('\\xg', at, 8)).message).toMatch(
      /no following hex digits/,
    );
  });
});
