/**
 * The repository's docs cannot rot: every code example in a Markdown file is an example file
 * (type-checked by its package's `pnpm typecheck`, and run by the package's tests where it needs no
 * kernel), and every relative link points at something that exists.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  codeBlocks,
  exampleProblems,
  headingAnchor,
  headingAnchors,
  markdownFiles,
  relativeLinks,
} from './markdown.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const files = markdownFiles(root);
const read = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8') : undefined);

describe('the Markdown reader', () => {
  const readme = [
    '# x',
    '<!-- example: examples/a.ts -->',
    '```ts',
    "console.log('a');",
    '```',
    '',
    '```sh',
    'pnpm test',
    '```',
  ].join('\n');

  it('finds code blocks, their language, text and example marker', () => {
    expect(codeBlocks(readme)).toEqual([
      { line: 3, language: 'ts', text: "console.log('a');\n", example: 'examples/a.ts' },
      { line: 7, language: 'sh', text: 'pnpm test\n', example: undefined },
    ]);
  });

  it('accepts a block identical to its file and ignores shell blocks', () => {
    expect(exampleProblems(readme, () => "console.log('a');\n")).toEqual([]);
  });

  it('reports a block that differs from its file, byte for byte', () => {
    expect(exampleProblems(readme, () => "console.log('a')\n")).toEqual([
      expect.stringMatching(/^line 3: the block differs from examples\/a\.ts/),
    ]);
  });

  it('reports a missing example file', () => {
    expect(exampleProblems(readme, () => undefined)).toEqual([
      'line 3: the example file examples/a.ts does not exist',
    ]);
  });

  it('reports a code block without an example file', () => {
    expect(exampleProblems('```js\nlet x = 1;\n```\n', () => '')).toEqual([
      expect.stringMatching(/^line 1: a ```js block without an example file/),
    ]);
  });

  it('reports a marker that is not right above a code block', () => {
    const stray = '<!-- example: examples/a.ts -->\n\n```ts\nx;\n```\n';
    expect(exampleProblems(stray, () => 'x;\n')).toEqual([
      'line 1: an example marker with no code block right below it',
      expect.stringMatching(/^line 3: a ```ts block without an example file/),
    ]);
  });

  it('finds relative links outside code blocks, and heading anchors as GitHub makes them', () => {
    const text = '[a](docs/a.md#x) [b](https://example.com)\n```\n[c](no.md)\n```\n';
    expect(relativeLinks(text)).toEqual(['docs/a.md#x']);
    expect(headingAnchor('3. The kernel transport: two backends, and why')).toBe(
      '3-the-kernel-transport-two-backends-and-why',
    );
    expect(headingAnchor("VMware's `vmci_sockets.h`, 2008–2021 (read)")).toBe(
      'vmwares-vmci_socketsh-20082021-read',
    );
  });
});

describe('the repository docs', () => {
  it('include every package README and the architecture document', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'README.md',
        'docs/architecture.md',
        'docs/kernel-facts.md',
        'packages/cli/README.md',
        'packages/ffi/README.md',
        'packages/header-codegen/README.md',
        'packages/sockets/README.md',
        'packages/testkit/README.md',
        'packages/conformance/README.md',
        'packages/hybrid/README.md',
      ]),
    );
  });

  it.each(files)('%s: every code example is its example file', (file) => {
    const base = dirname(join(root, file));
    const text = readFileSync(join(root, file), 'utf8');
    expect(exampleProblems(text, (path) => read(join(base, path)))).toEqual([]);
  });

  it.each(files)('%s: every relative link resolves inside the repository', (file) => {
    const base = dirname(join(root, file));
    const broken = relativeLinks(readFileSync(join(root, file), 'utf8')).filter((link) => {
      const [path = '', anchor] = link.split('#');
      const target = path === '' ? join(root, file) : join(base, path);
      if (relative(root, target).startsWith('..') || !existsSync(target)) return true;
      if (anchor === undefined || !target.endsWith('.md')) return false;
      return !headingAnchors(readFileSync(target, 'utf8')).has(anchor);
    });
    expect(broken).toEqual([]);
  });

  it('link the architecture document from the root README and every package README', () => {
    const readmes = files.filter((file) => /^(README\.md|packages\/[^/]+\/README\.md)$/.test(file));
    const without = readmes.filter(
      (file) => !/\]\((\.\.\/\.\.\/)?docs\/architecture\.md[)#]/.test(read(join(root, file)) ?? ''),
    );
    expect(without).toEqual([]);
  });
});
