/**
 * Fails when a public entry point of a documented package (see `documentedPackages`) exports a
 * declaration without a TSDoc comment. The entry points are the `.ts` files a package's
 * `exports` names; every symbol they export (re-exports followed to where they are declared) needs
 * a `/** … *\/` comment on at least one of its declarations.
 *
 * `pnpm lint` runs it: `tsx scripts/check-tsdoc.ts`. It prints `file:line  name (kind)` per missing
 * comment and exits 1, or prints how many exports it checked and exits 0.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The packages whose public entry points must be documented. */
export const documentedPackages = [
  'header-codegen',
  'ffi',
  'sockets',
  'testkit',
  'share',
  'conformance',
  'transfer',
  'proxy',
  'hybrid',
] as const;

/** One export without a doc comment. */
export interface MissingDoc {
  readonly entry: string;
  readonly name: string;
  readonly kind: string;
  /** `path:line` of the declaration, relative to the repository. */
  readonly where: string;
}

/** The `.ts` files a package's `exports` map names (its public entry points). */
export function entryPoints(packageDir: string): string[] {
  const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
    exports?: Record<string, unknown>;
  };
  return Object.values(manifest.exports ?? {})
    .filter((target): target is string => typeof target === 'string' && target.endsWith('.ts'))
    .map((target) => resolve(packageDir, target));
}

function hasDocComment(declaration: ts.Declaration): boolean {
  // A variable's comment sits on its statement: `/** … */ export const x = …`.
  const node =
    ts.isVariableDeclaration(declaration) && ts.isVariableDeclarationList(declaration.parent)
      ? declaration.parent.parent
      : declaration;
  return ts
    .getJSDocCommentsAndTags(node)
    .some((doc) => ts.isJSDoc(doc) && (doc.comment !== undefined || (doc.tags?.length ?? 0) > 0));
}

/**
 * Every export of the given entry files that has no TSDoc comment on any of its declarations.
 * `types` are the ambient type packages the entry files need (Node's for ours).
 */
export function findMissingDocs(
  entries: readonly string[],
  types: readonly string[] = ['node'],
): MissingDoc[] {
  const program = ts.createProgram(entries, {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    allowJs: false,
    noEmit: true,
    skipLibCheck: true,
    types: [...types],
  });
  const checker = program.getTypeChecker();
  const missing: MissingDoc[] = [];
  for (const entry of entries) {
    const source = program.getSourceFile(entry);
    const module = source && checker.getSymbolAtLocation(source);
    if (!module) throw new Error(`cannot read the exports of ${entry}`);
    for (const exported of checker.getExportsOfModule(module)) {
      const symbol =
        exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      const declarations = symbol.declarations ?? [];
      // A namespace re-export (`export * as generated`) documents itself by its module.
      if (declarations.some((d) => ts.isSourceFile(d))) continue;
      if (declarations.length === 0 || declarations.some(hasDocComment)) continue;
      const first = declarations[0] as ts.Declaration;
      const file = first.getSourceFile();
      const { line } = file.getLineAndCharacterOfPosition(first.getStart());
      missing.push({
        entry: relative(root, entry),
        name: exported.name,
        kind: ts.SyntaxKind[first.kind],
        where: `${relative(root, file.fileName)}:${line + 1}`,
      });
    }
  }
  return missing;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const entries = documentedPackages.flatMap((name) => entryPoints(join(root, 'packages', name)));
  const missing = findMissingDocs(entries);
  // One line per declaration, even when several entry points export it.
  const seen = new Set<string>();
  for (const doc of missing) {
    const key = `${doc.where} ${doc.name}`;
    if (seen.has(key)) continue;
    seen.add(key);
    console.error(`${doc.where}  ${doc.name} (${doc.kind}) has no TSDoc comment`);
  }
  if (missing.length > 0) {
    console.error(
      `check-tsdoc: ${seen.size} exported declarations of ${documentedPackages.map((p) => `@vmci/${p}`).join(', ')} need a /** … */ comment`,
    );
    process.exitCode = 1;
  } else {
    console.log(`check-tsdoc: every export of ${entries.length} entry points is documented`);
  }
}
