/**
 * The header's comments as TSDoc: the comment on the same line after a declaration, or the block
 * that ends just above it.
 */
import type { Comment, Token } from './lexer.js';

/** Cleans a C comment body into plain lines. */
export function cleanComment(text: string): string {
  const lines = text
    .split('\n')
    .map((line) => line.replace(/^\s*\*+ ?/, '').trimEnd())
    // Banner lines made only of punctuation (`-----`, `*****`) carry no text.
    .filter((line) => !/^\s*[-*=_]{3,}\s*$/.test(line));
  while (lines.length > 0 && (lines[0] as string).trim() === '') lines.shift();
  if (lines.length > 0) lines[0] = (lines[0] as string).trimStart();
  while (lines.length > 0 && (lines[lines.length - 1] as string).trim() === '') lines.pop();
  const indent = Math.min(
    ...lines.filter((l) => l.trim() !== '').map((l) => /^\s*/.exec(l)?.[0].length ?? 0),
  );
  return lines.map((l) => l.slice(Number.isFinite(indent) ? indent : 0)).join('\n');
}

export function docFor(token: Token, comments: readonly Comment[]): string | undefined {
  const sameFile = comments.filter((c) => c.file === token.file);
  const trailing = sameFile.find((c) => c.startLine === token.line && c.startColumn > token.column);
  if (trailing) return cleanComment(trailing.text) || undefined;
  const lines = token.file.lines;
  for (let gap = 1; gap <= 2; gap++) {
    const above = sameFile.find((c) => c.endLine === token.line - gap);
    if (!above) continue;
    // Skip comments that trail code on their own line, and never jump over code.
    const before = (lines[above.startLine - 1] ?? '').slice(0, above.startColumn - 1);
    if (before.trim() !== '') return undefined;
    if (gap === 2 && (lines[token.line - 2] ?? '').trim() !== '') return undefined;
    return cleanComment(above.text) || undefined;
  }
  return undefined;
}
