/**
 * The fixed-width koffi spelling of a C member type, for a target's data model. The model records
 * it per struct member and the emitter writes it into koffi struct definitions; it lives apart from
 * both so that building a model never loads ts-morph (the emitter's dependency).
 */
import { type CType, type DataModel, resolveType, spellType } from './c-types.js';

/** The fixed-width koffi type of a C scalar on a target (never `long`: its size differs by ABI). */
export function koffiTypeOf(type: CType, model: DataModel): string {
  const resolved = resolveType(type);
  switch (resolved.kind) {
    case 'int': {
      if (resolved.name === '_Bool') return 'bool';
      const bits = model.sizes[resolved.name] * 8;
      const unsigned =
        resolved.name === 'char' ? !model.charIsSigned : resolved.name.startsWith('unsigned');
      return `${unsigned ? 'uint' : 'int'}${bits}_t`;
    }
    case 'enum':
      return 'int32_t';
    case 'float':
      return resolved.name === 'float'
        ? 'float'
        : resolved.name === 'double'
          ? 'double'
          : 'long double';
    case 'pointer':
      return 'void *';
    case 'record':
      return `record:${resolved.record.name ?? ''}`;
    case 'array':
      return `array:${koffiTypeOf(resolved.of, model)}[${resolved.length ?? 0}]`;
    default:
      return spellType(type);
  }
}
