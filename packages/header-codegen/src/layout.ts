/**
 * Struct and union layout for a target's data model: natural alignment, `packed`,
 * `aligned(N)` and `#pragma pack(N)`, as GCC, Clang and MSVC agree on for these cases.
 */
import type { CType, DataModel, RecordType } from './c-types.js';
import { resolveType, spellType } from './c-types.js';
import { errorAt, type Token } from './lexer.js';

export interface FieldLayout {
  /** Member name; nested anonymous members are flattened into their parent. */
  readonly name: string;
  readonly offset: number;
  readonly size: number;
  readonly align: number;
  readonly type: CType;
  readonly token: Token | undefined;
}

export interface RecordLayout {
  readonly size: number;
  readonly align: number;
  readonly fields: readonly FieldLayout[];
}

const cache = new WeakMap<RecordType, WeakMap<DataModel, RecordLayout>>();

const roundUp = (value: number, align: number) => Math.ceil(value / align) * align;

export function sizeAndAlign(
  type: CType,
  model: DataModel,
  at: Token,
): { size: number; align: number } {
  const resolved = resolveType(type);
  switch (resolved.kind) {
    case 'int':
    case 'float':
      return { size: model.sizes[resolved.name], align: model.aligns[resolved.name] };
    case 'pointer':
      return { size: model.sizes.pointer, align: model.aligns.pointer };
    case 'enum':
      return { size: model.sizes.int, align: model.aligns.int };
    case 'array': {
      const element = sizeAndAlign(resolved.of, model, at);
      const size = element.size * (resolved.length ?? 0);
      if (size > 2 ** 48)
        throw errorAt(at, 'ERR_CODEGEN_BAD_ARRAY_SIZE', `array '${spellType(type)}' is too large`);
      return { size, align: element.align };
    }
    case 'record': {
      const layout = computeLayout(resolved.record, model, at);
      return { size: layout.size, align: layout.align };
    }
    case 'void':
    case 'function':
      throw errorAt(at, 'ERR_CODEGEN_INCOMPLETE_TYPE', `'${spellType(type)}' has no size`);
  }
  throw errorAt(at, 'ERR_CODEGEN_INCOMPLETE_TYPE', `'${spellType(type)}' has no size`);
}

export function computeLayout(record: RecordType, model: DataModel, at: Token): RecordLayout {
  const cached = cache.get(record)?.get(model);
  if (cached) return cached;
  const name = `${record.tag} ${record.name ?? '<anonymous>'}`;
  if (!record.fields) {
    throw errorAt(
      at,
      'ERR_CODEGEN_INCOMPLETE_TYPE',
      `'${name}' is incomplete here: its members are not declared before this use`,
    );
  }
  if (record.hasBitfields) {
    throw errorAt(
      at,
      'ERR_CODEGEN_NOT_CONSTANT',
      `'${name}' has bit-fields, whose layout is not modelled`,
    );
  }
  const fields: FieldLayout[] = [];
  let offset = 0;
  let size = 0;
  let align = 1;
  for (const field of record.fields) {
    const fieldAt = field.token ?? at;
    const natural = sizeAndAlign(field.type, model, fieldAt);
    let fieldAlign = record.packed ? 1 : natural.align;
    if (field.alignAttribute) fieldAlign = Math.max(fieldAlign, field.alignAttribute);
    if (record.maxFieldAlign) fieldAlign = Math.min(fieldAlign, record.maxFieldAlign);
    const fieldOffset = record.tag === 'union' ? 0 : roundUp(offset, fieldAlign);
    const resolved = resolveType(field.type);
    if (field.name === undefined && resolved.kind === 'record') {
      const inner = computeLayout(resolved.record, model, fieldAt);
      for (const member of inner.fields)
        fields.push({ ...member, offset: member.offset + fieldOffset });
    } else if (field.name !== undefined) {
      fields.push({
        name: field.name,
        offset: fieldOffset,
        size: natural.size,
        align: fieldAlign,
        type: field.type,
        token: field.token,
      });
    }
    offset = fieldOffset + natural.size;
    size = Math.max(size, offset);
    align = Math.max(align, fieldAlign);
  }
  if (record.alignAttribute) align = Math.max(align, record.alignAttribute);
  const total = roundUp(size, align);
  if (!Number.isSafeInteger(total) || total > 2 ** 48) {
    throw errorAt(
      at,
      'ERR_CODEGEN_BAD_ARRAY_SIZE',
      `'${name}' is too large to lay out (${size} bytes)`,
    );
  }
  const layout: RecordLayout = { size: total, align, fields };
  let perModel = cache.get(record);
  if (!perModel) {
    perModel = new WeakMap();
    cache.set(record, perModel);
  }
  perModel.set(model, layout);
  return layout;
}
