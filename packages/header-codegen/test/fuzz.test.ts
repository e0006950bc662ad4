/**
 * Mutation fuzzing of buildModel: the real Linux header and the VMware fixtures with lines deleted,
 * duplicated and swapped, cuts at random offsets, stray tokens and flipped digits. Every input
 * must give either a sane model or a CodegenError — never another exception type — and never hang
 * (each input gets 5 s: a guard against runaway work, not a timing claim; see `pnpm bench`).
 * The seed is fixed, so a failure reproduces; fast-check prints the shrunk counterexample.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CodegenError } from '../src/errors.js';
import { buildModel, type HeaderModel } from '../src/model.js';
import { targetNames } from '../src/targets.js';

const fixturesDir = fileURLToPath(new URL('../fixtures/vmware/', import.meta.url));
const linuxHeader = '/usr/include/linux/vm_sockets.h';

const sources = [
  ...(existsSync(linuxHeader) ? [linuxHeader] : []),
  ...readdirSync(fixturesDir)
    .filter((name) => name.endsWith('.h'))
    .sort()
    .map((name) => `${fixturesDir}${name}`),
].map((path) => ({ path, text: readFileSync(path, 'utf8') }));

/** Tokens that break preprocessing or parsing in interesting ways. */
const strayTokens = [
  '#if',
  '#if 1',
  '#if 0',
  '#ifdef X',
  '#elif',
  '#elif 1',
  '#else',
  '#endif',
  '#define',
  '#define X(',
  '#define F(a) a ## a',
  '#undef',
  '#include',
  '#include <',
  '#error',
  '#pragma pack(push, 1)',
  '#pragma pack(pop)',
  '(',
  ')',
  '{',
  '}',
  '[',
  ']',
  ';',
  ',',
  '#',
  '##',
  'defined',
  'defined(',
  '/*',
  '*/',
  '//',
  '"',
  "'",
  '\\',
  '0/0',
  '1/0',
  '-1',
  '0x',
  '1e',
  '~0u',
  'sizeof(',
  'struct',
  'union',
  'enum',
  'typedef',
  'static inline',
  '__attribute__((packed))',
  '__attribute__((aligned(8)))',
  'L"',
  "L'\\x'",
  '...',
  '?',
  ':',
];

type Mutation =
  | { readonly kind: 'delete' | 'duplicate'; readonly line: number }
  | { readonly kind: 'swap'; readonly line: number; readonly other: number }
  | { readonly kind: 'truncate'; readonly at: number }
  | {
      readonly kind: 'insert';
      readonly at: number;
      readonly text: string;
      readonly newline: boolean;
    }
  | { readonly kind: 'flip-digit'; readonly which: number; readonly digit: number };

/** Names the sources use (macros, types, members), so inserted names often mean something. */
const sourceIdentifiers = [
  ...new Set(sources.flatMap((s) => s.text.match(/\b[A-Za-z_][A-Za-z0-9_]*\b/g) ?? [])),
].sort();

const position = fc.nat({ max: 1_000_000 });
const identifier = fc.oneof(
  fc.constantFrom(...sourceIdentifiers),
  fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,10}$/),
);

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constantFrom('delete' as const, 'duplicate' as const), line: position }),
  fc.record({ kind: fc.constant('swap' as const), line: position, other: position }),
  fc.record({ kind: fc.constant('truncate' as const), at: position }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: position,
    text: fc.oneof(fc.constantFrom(...strayTokens), identifier),
    newline: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('flip-digit' as const),
    which: position,
    digit: fc.integer({ min: 0, max: 9 }),
  }),
);

function apply(text: string, m: Mutation): string {
  const lines = text.split('\n');
  switch (m.kind) {
    case 'delete':
      lines.splice(m.line % lines.length, 1);
      return lines.join('\n');
    case 'duplicate': {
      const at = m.line % lines.length;
      lines.splice(at, 0, lines[at] ?? '');
      return lines.join('\n');
    }
    case 'swap': {
      const a = m.line % lines.length;
      const b = m.other % lines.length;
      [lines[a], lines[b]] = [lines[b] ?? '', lines[a] ?? ''];
      return lines.join('\n');
    }
    case 'truncate':
      return text.slice(0, m.at % (text.length + 1));
    case 'insert': {
      const at = m.at % (text.length + 1);
      const inserted = m.newline ? `\n${m.text}\n` : ` ${m.text} `;
      return text.slice(0, at) + inserted + text.slice(at);
    }
    case 'flip-digit': {
      const digits = [...text.matchAll(/[0-9]/g)];
      if (digits.length === 0) return text;
      const index = (digits[m.which % digits.length] as RegExpMatchArray).index as number;
      return text.slice(0, index) + String(m.digit) + text.slice(index + 1);
    }
  }
}

/** What any model must satisfy, however odd its input. */
function expectSane(model: HeaderModel): void {
  for (const constant of model.constants) {
    if (constant.kind === 'integer') expect(typeof constant.value).toBe('bigint');
    else expect(typeof constant.value).toBe('string');
  }
  for (const struct of model.structs) {
    expect(Number.isInteger(struct.size) && struct.size >= 0).toBe(true);
    expect(Number.isInteger(struct.align) && struct.align >= 1).toBe(true);
    expect(struct.size % struct.align).toBe(0);
    for (const field of struct.fields) {
      expect(field.offset >= 0 && field.offset + field.size <= struct.size).toBe(true);
    }
  }
}

describe('buildModel under random mutations', () => {
  it('returns a sane model or throws a CodegenError, never hanging on an input', () => {
    expect(sources.length).toBeGreaterThan(0);
    let models = 0;
    let errors = 0;
    fc.assert(
      fc.property(
        fc.nat({ max: sources.length - 1 }),
        fc.constantFrom(...targetNames),
        fc.array(mutation, { minLength: 1, maxLength: 6 }),
        (sourceIndex, target, mutations) => {
          const source = sources[sourceIndex] as (typeof sources)[number];
          const text = mutations.reduce(apply, source.text);
          try {
            expectSane(
              buildModel({
                path: source.path,
                text,
                target,
                // The Linux header needs _IO(); Windows has no <sys/ioctl.h>.
                preInclude: target === 'win32-x64' ? [] : ['sys/ioctl.h'],
              }),
            );
            models++;
          } catch (error) {
            if (!CodegenError.isInstance(error)) throw error;
            expect(error.code).toMatch(/^ERR_CODEGEN_/);
            if (error.location) {
              expect(error.location.line).toBeGreaterThanOrEqual(1);
              expect(error.location.column).toBeGreaterThanOrEqual(1);
              expect(typeof error.sourceLine).toBe('string');
            }
            errors++;
          }
        },
      ),
      { seed: 0x5eed_c0de, numRuns: 300 },
    );
    // Both outcomes happen, so the mutations are neither all harmless nor all fatal.
    expect(models).toBeGreaterThan(0);
    expect(errors).toBeGreaterThan(0);
  });
});
