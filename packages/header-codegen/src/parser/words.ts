/**
 * The words of C declarations: which identifiers are keywords of which kind, and how a run of
 * integer keywords (`unsigned long int`) names one integer type.
 */
import type { IntTypeName } from '../c-types.js';
import { errorAt, type Token } from '../lexer.js';

export const intKeywords: ReadonlySet<string> = new Set([
  'signed',
  'unsigned',
  'short',
  'long',
  'int',
  'char',
  '_Bool',
]);

/** Qualifiers and calling conventions: read and ignored (they do not change a layout). */
export const qualifierKeywords: ReadonlySet<string> = new Set([
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

export const inlineKeywords: ReadonlySet<string> = new Set([
  'inline',
  '__inline',
  '__inline__',
  '__forceinline',
]);

export const storageKeywords: ReadonlySet<string> = new Set([
  'typedef',
  'extern',
  'static',
  ...inlineKeywords,
]);

export const typeKeywords: ReadonlySet<string> = new Set([
  ...intKeywords,
  'void',
  'float',
  'double',
  'struct',
  'union',
  'enum',
]);

/** Enumerator types in the order GCC tries them for values outside `int`. */
export const enumeratorTypes: readonly IntTypeName[] = [
  'int',
  'unsigned int',
  'long',
  'unsigned long',
  'long long',
  'unsigned long long',
];

/** The integer type a run of integer keywords names, in any order (C11 6.7.2p2). */
export function intTypeFrom(words: readonly string[], at: Token): IntTypeName {
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
}
