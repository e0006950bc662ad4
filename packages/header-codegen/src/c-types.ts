import type { Token } from './lexer.js';

/**
 * C types as the generator models them, and the integer arithmetic of C (ranks, promotions,
 * usual arithmetic conversions) for a given data model.
 */

/** Integer types, spelled as C spells them. */
export type IntTypeName =
  | '_Bool'
  | 'char'
  | 'signed char'
  | 'unsigned char'
  | 'short'
  | 'unsigned short'
  | 'int'
  | 'unsigned int'
  | 'long'
  | 'unsigned long'
  | 'long long'
  | 'unsigned long long';

export type FloatTypeName = 'float' | 'double' | 'long double';

/** Sizes and alignments (bytes) and the few ABI choices that differ between targets. */
export interface DataModel {
  readonly sizes: Readonly<Record<IntTypeName | FloatTypeName | 'pointer', number>>;
  readonly aligns: Readonly<Record<IntTypeName | FloatTypeName | 'pointer', number>>;
  /** Whether plain `char` is signed (it is not on Linux arm64). */
  readonly charIsSigned: boolean;
  /** The type `sizeof` yields. */
  readonly sizeType: IntTypeName;
  /** The type of `L'x'` and of the elements of `L"..."`. */
  readonly wcharType: IntTypeName;
}

/** A C type as the parser resolved it: scalar, pointer, array, record, function or enum. */
export type CType =
  | { readonly kind: 'void' }
  | { readonly kind: 'int'; readonly name: IntTypeName }
  | { readonly kind: 'float'; readonly name: FloatTypeName }
  | { readonly kind: 'pointer'; readonly to: CType }
  | { readonly kind: 'array'; readonly of: CType; readonly length: number | undefined }
  | { readonly kind: 'record'; readonly record: RecordType }
  | { readonly kind: 'enum'; readonly tag: string | undefined }
  | {
      readonly kind: 'function';
      readonly returns: CType;
      readonly params: readonly CParameter[];
      readonly variadic: boolean;
    }
  | { readonly kind: 'typedef'; readonly name: string; readonly target: CType };

export interface CParameter {
  readonly name: string | undefined;
  readonly type: CType;
}

/** A struct or union; `fields` stays undefined while the type is incomplete. */
export interface RecordType {
  readonly tag: 'struct' | 'union';
  readonly name: string | undefined;
  fields: RecordField[] | undefined;
  packed: boolean;
  /** From `__attribute__((aligned(N)))` on the record. */
  alignAttribute: number | undefined;
  /** `#pragma pack(N)` in force where the record was defined. */
  maxFieldAlign: number | undefined;
  hasBitfields: boolean;
}

export interface RecordField {
  readonly name: string | undefined;
  readonly type: CType;
  readonly bitWidth: number | undefined;
  readonly alignAttribute: number | undefined;
  /** The member's name token, for locations and docs. */
  readonly token: Token | undefined;
}

const ranks: Record<IntTypeName, number> = {
  _Bool: 0,
  char: 1,
  'signed char': 1,
  'unsigned char': 1,
  short: 2,
  'unsigned short': 2,
  int: 3,
  'unsigned int': 3,
  long: 4,
  'unsigned long': 4,
  'long long': 5,
  'unsigned long long': 5,
};

const unsignedOf: Record<IntTypeName, IntTypeName> = {
  _Bool: '_Bool',
  char: 'unsigned char',
  'signed char': 'unsigned char',
  'unsigned char': 'unsigned char',
  short: 'unsigned short',
  'unsigned short': 'unsigned short',
  int: 'unsigned int',
  'unsigned int': 'unsigned int',
  long: 'unsigned long',
  'unsigned long': 'unsigned long',
  'long long': 'unsigned long long',
  'unsigned long long': 'unsigned long long',
};

export function isUnsigned(type: IntTypeName, model: DataModel): boolean {
  if (type === 'char') return !model.charIsSigned;
  return type === '_Bool' || type.startsWith('unsigned');
}

export function bitsOf(type: IntTypeName, model: DataModel): number {
  return model.sizes[type] * 8;
}

/** Wraps `value` into the range of `type` (two's complement), as a conversion to it does. */
export function wrapToType(value: bigint, type: IntTypeName, model: DataModel): bigint {
  if (type === '_Bool') return value === 0n ? 0n : 1n;
  const bits = bitsOf(type, model);
  return isUnsigned(type, model) ? BigInt.asUintN(bits, value) : BigInt.asIntN(bits, value);
}

export function fitsType(value: bigint, type: IntTypeName, model: DataModel): boolean {
  return wrapToType(value, type, model) === value;
}

/** Integer promotion: anything narrower than `int` becomes `int` (all our targets have 32-bit int). */
export function promote(type: IntTypeName, model: DataModel): IntTypeName {
  if (ranks[type] < ranks.int) {
    return model.sizes[type] < model.sizes.int || !isUnsigned(type, model) ? 'int' : 'unsigned int';
  }
  return type;
}

/** The usual arithmetic conversions (C11 6.3.1.8) for two integer operands. */
export function commonType(a: IntTypeName, b: IntTypeName, model: DataModel): IntTypeName {
  const left = promote(a, model);
  const right = promote(b, model);
  if (left === right) return left;
  const leftUnsigned = isUnsigned(left, model);
  const rightUnsigned = isUnsigned(right, model);
  if (leftUnsigned === rightUnsigned) return ranks[left] >= ranks[right] ? left : right;
  const [unsignedType, signedType] = leftUnsigned ? [left, right] : [right, left];
  if (ranks[unsignedType] >= ranks[signedType]) return unsignedType;
  if (model.sizes[signedType] > model.sizes[unsignedType]) return signedType;
  return unsignedOf[signedType];
}

export function unsignedVersion(type: IntTypeName): IntTypeName {
  return unsignedOf[type];
}

/** Strips typedefs (keeping nothing of their names). */
export function resolveType(type: CType): CType {
  let current = type;
  while (current.kind === 'typedef') current = current.target;
  return current;
}

/** How C spells a type, for reports and the `--json` model (`unsigned char[3]`, `sa_family_t`). */
export function spellType(type: CType): string {
  switch (type.kind) {
    case 'void':
      return 'void';
    case 'int':
    case 'float':
      return type.name;
    case 'typedef':
      return type.name;
    case 'pointer':
      return type.to.kind === 'function'
        ? `${spellType(type.to.returns)} (*)(${spellParams(type.to)})`
        : `${spellType(type.to)} *`;
    case 'array':
      return `${spellType(type.of)}[${type.length ?? ''}]`;
    case 'record':
      return `${type.record.tag} ${type.record.name ?? '<anonymous>'}`;
    case 'enum':
      return `enum ${type.tag ?? '<anonymous>'}`;
    case 'function':
      return `${spellType(type.returns)} (${spellParams(type)})`;
  }
}

export function spellParams(fn: Extract<CType, { kind: 'function' }>): string {
  const params = fn.params.map((p) =>
    p.name ? `${spellType(p.type)} ${p.name}` : spellType(p.type),
  );
  if (fn.variadic) params.push('...');
  return params.length === 0 ? 'void' : params.join(', ');
}
