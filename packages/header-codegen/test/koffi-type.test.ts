/**
 * `koffiTypeOf`: the emitter's fixed-width koffi spelling of a C member type, one rule per test.
 */
import { describe, expect, it } from 'vitest';
import type { CType, IntTypeName, RecordType } from '../src/c-types.js';
import { koffiTypeOf } from '../src/koffi-types.js';
import { getTargetProfile } from '../src/targets.js';

const linux = getTargetProfile('linux-x64').model;
const linuxArm = getTargetProfile('linux-arm64').model;
const windows = getTargetProfile('win32-x64').model;
const int = (name: IntTypeName): CType => ({ kind: 'int', name });

describe('koffiTypeOf', () => {
  it('spells long by its width on the target, never as long', () => {
    expect(koffiTypeOf(int('long'), linux)).toBe('int64_t');
    expect(koffiTypeOf(int('unsigned long'), windows)).toBe('uint32_t');
  });

  it('follows the signedness of plain char on the target', () => {
    expect(koffiTypeOf(int('char'), linux)).toBe('int8_t');
    expect(koffiTypeOf(int('char'), linuxArm)).toBe('uint8_t');
  });

  it('maps _Bool to bool', () => {
    expect(koffiTypeOf(int('_Bool'), linux)).toBe('bool');
  });

  it('maps an enum to int32_t', () => {
    expect(koffiTypeOf({ kind: 'enum', tag: 'e' }, linux)).toBe('int32_t');
  });

  it('keeps float, double and long double', () => {
    expect(koffiTypeOf({ kind: 'float', name: 'float' }, linux)).toBe('float');
    expect(koffiTypeOf({ kind: 'float', name: 'double' }, linux)).toBe('double');
    expect(koffiTypeOf({ kind: 'float', name: 'long double' }, linux)).toBe('long double');
  });

  it('maps every pointer to void *', () => {
    expect(koffiTypeOf({ kind: 'pointer', to: int('char') }, linux)).toBe('void *');
  });

  it('names a record by its tag', () => {
    const record: RecordType = {
      tag: 'struct',
      name: 'sockaddr_vm',
      fields: undefined,
      packed: false,
      alignAttribute: undefined,
      maxFieldAlign: undefined,
      hasBitfields: false,
    };
    expect(koffiTypeOf({ kind: 'record', record }, linux)).toBe('record:sockaddr_vm');
  });

  it('spells an array by its element and length, a flexible one with length 0', () => {
    const row: CType = { kind: 'array', of: int('unsigned short'), length: 3 };
    expect(koffiTypeOf(row, linux)).toBe('array:uint16_t[3]');
    expect(koffiTypeOf({ kind: 'array', of: row, length: undefined }, linux)).toBe(
      'array:array:uint16_t[3][0]',
    );
  });

  it('looks through typedefs', () => {
    const typedef: CType = { kind: 'typedef', name: 'u32', target: int('unsigned int') };
    expect(koffiTypeOf(typedef, linux)).toBe('uint32_t');
  });

  it('falls back to the C spelling for a type koffi has no scalar for', () => {
    expect(koffiTypeOf({ kind: 'void' }, linux)).toBe('void');
  });
});
