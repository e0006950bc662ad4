/**
 * Reads the repository's Markdown for the docs tests: code blocks with their example markers, and
 * relative links.
 */
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Fence languages that are code examples (each must be an example file). */
export const exampleLanguages = new Set(['ts', 'typescript', 'js', 'javascript', 'mjs', 'tsx']);

const markerPattern = /^<!-- example: (\S+) -->$/;

export interface CodeBlock {
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly language: string;
  /** The block's text as a file holds it: its lines, each ended by a newline. */
  readonly text: string;
  /** The path named by an `<!-- example: PATH -->` line right above the fence. */
  readonly example: string | undefined;
}

/** The fenced code blocks of a Markdown text (top-level ``` fences). */
export function codeBlocks(markdown: string): CodeBlock[] {
  const lines = markdown.split('\n');
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i] ?? '');
    if (!open) continue;
    const end = lines.findIndex((line, j) => j > i && line.startsWith('```'));
    if (end < 0) throw new Error(`line ${i + 1}: a code block that is never closed`);
    const marker = markerPattern.exec(lines[i - 1] ?? '');
    const body = lines.slice(i + 1, end);
    blocks.push({
      line: i + 1,
      language: open[1] ?? '',
      text: body.map((line) => `${line}\n`).join(''),
      example: marker?.[1],
    });
    i = end;
  }
  return blocks;
}

/** Example markers that are not directly above a code block (a typo would hide a block). */
export function strayMarkers(markdown: string): number[] {
  const lines = markdown.split('\n');
  return lines.flatMap((line, i) =>
    markerPattern.test(line) && !/^```\S/.test(lines[i + 1] ?? '') ? [i + 1] : [],
  );
}

/**
 * What is wrong with a Markdown file's code examples: a code block without an example marker, a
 * missing example file, or a block that differs from its file. `readFile` gets the marker's path.
 */
export function exampleProblems(
  markdown: string,
  readFile: (path: string) => string | undefined,
): string[] {
  const problems = strayMarkers(markdown).map(
    (line) => `line ${line}: an example marker with no code block right below it`,
  );
  for (const block of codeBlocks(markdown)) {
    if (!exampleLanguages.has(block.language)) continue;
    if (!block.example) {
      problems.push(
        `line ${block.line}: a \`\`\`${block.language} block without an example file: put it in the package's examples/ folder and mark the block with <!-- example: examples/NAME.ts -->`,
      );
      continue;
    }
    const file = readFile(block.example);
    if (file === undefined) {
      problems.push(`line ${block.line}: the example file ${block.example} does not exist`);
    } else if (file !== block.text) {
      problems.push(
        `line ${block.line}: the block differs from ${block.example}: copy the file into the README (or the block into the file)`,
      );
    }
  }
  return problems;
}

/** Relative link targets (`[text](target)`) outside code blocks, without web addresses. */
export function relativeLinks(markdown: string): string[] {
  const prose = markdown.replace(/^```[^\n]*\n[\s\S]*?^```[^\n]*$/gm, '');
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((match) => match[1] ?? '')
    .filter((target) => !/^[a-z]+:/i.test(target));
}

/** The anchor GitHub gives a heading. */
export function headingAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}_\- ]/gu, '')
    .replace(/ /g, '-');
}

/** Anchors of a Markdown text's headings. */
export function headingAnchors(markdown: string): Set<string> {
  const prose = markdown.replace(/^```[^\n]*\n[\s\S]*?^```[^\n]*$/gm, '');
  return new Set([...prose.matchAll(/^#+ (.+)$/gm)].map((match) => headingAnchor(match[1] ?? '')));
}

const skippedDirectories = new Set([
  'node_modules',
  '.git',
  '.cache',
  '.turbo',
  'dist',
  'coverage',
]);

/** Every Markdown file under `root` (relative paths), outside dependencies and build output. */
export function markdownFiles(root: string, directory = root): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) {
      return skippedDirectories.has(entry.name) ? [] : markdownFiles(root, path);
    }
    return entry.name.endsWith('.md') ? [relative(root, path)] : [];
  });
}
