/**
 * The TSDoc check `pnpm lint` runs (scripts/check-tsdoc.ts) finds an export without a doc
 * comment wherever it is declared, and accepts the forms a documented export takes.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { entryPoints, findMissingDocs } from '../scripts/check-tsdoc.js';

const dir = mkdtempSync(join(tmpdir(), 'check-tsdoc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};

describe('check-tsdoc', () => {
  it('reports undocumented exports, also re-exported ones, and accepts documented ones', () => {
    file(
      'inner.ts',
      [
        '/** Documented. */',
        'export function documented(): void {}',
        'export function bare(): void {}',
        '/** A documented constant. */',
        'export const one = 1;',
        '// A line comment is not TSDoc.',
        'export const two = 2;',
        'export interface Plain { readonly x: number }',
        '/** A documented type. */',
        'export type Named = string;',
      ].join('\n'),
    );
    file('other.ts', '/** Module. */\nexport const three = 3;\n');
    const entry = file(
      'entry.ts',
      [
        "export { bare, documented, one, two, type Named, type Plain } from './inner.js';",
        "export * as other from './other.js';",
        '/** Local and documented. */',
        'export class Documented {}',
        'export class Local {}',
      ].join('\n'),
    );
    const missing = findMissingDocs([entry], []);
    expect(missing.map((doc) => [doc.name, doc.kind]).sort()).toEqual([
      ['Local', 'ClassDeclaration'],
      ['Plain', 'InterfaceDeclaration'],
      ['bare', 'FunctionDeclaration'],
      ['two', 'VariableDeclaration'],
    ]);
    expect(missing.find((doc) => doc.name === 'bare')?.where).toMatch(/inner\.ts:3$/);
    // A hang guard, not a speed limit: a TypeScript program takes seconds on a loaded machine.
  });

  it("takes the entry points from a package's exports map", () => {
    const manifest = {
      exports: {
        '.': './src/index.ts',
        './extra': './src/extra.ts',
        './package.json': './package.json',
      },
    };
    writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest));
    expect(entryPoints(dir)).toEqual([join(dir, 'src/index.ts'), join(dir, 'src/extra.ts')]);
  });
});
