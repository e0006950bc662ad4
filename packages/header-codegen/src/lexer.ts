/**
 * Translation phases 1–3: line splices and comments go, line numbers stay; each logical line is
 * cut into preprocessing tokens.
 */
import { CodegenError, type SourceLocation } from './errors.js';

export type TokenKind = 'identifier' | 'number' | 'char' | 'string' | 'punctuator' | 'other';

export interface SourceFile {
  readonly path: string;
  /** Physical lines, for error excerpts. */
  readonly lines: readonly string[];
}

export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly file: SourceFile;
  readonly line: number;
  readonly column: number;
  readonly spaceBefore: boolean;
  /** Macro names that must not expand this token again (C's "painted blue" rule). */
  readonly hideSet?: ReadonlySet<string>;
  /** Set on tokens that came out of a macro expansion: the outermost macro's name. */
  readonly expandedFrom?: string;
}

/** A comment, kept for TSDoc. */
export interface Comment {
  readonly file: SourceFile;
  readonly startLine: number;
  readonly startColumn: number;
  readonly endLine: number;
  readonly text: string;
}

export interface LogicalLine {
  readonly file: SourceFile;
  readonly tokens: Token[];
  /** Physical line where it starts. */
  readonly line: number;
}

export function tokenLocation(token: Pick<Token, 'file' | 'line' | 'column'>): SourceLocation {
  return { file: token.file.path, line: token.line, column: token.column };
}

export function errorAt(
  token: Pick<Token, 'file' | 'line' | 'column'>,
  code: ConstructorParameters<typeof CodegenError>[0],
  message: string,
): CodegenError {
  return new CodegenError(code, message, {
    location: tokenLocation(token),
    sourceLine: token.file.lines[token.line - 1] ?? '',
  });
}

const punctuators = [
  '%:%:',
  '...',
  '<<=',
  '>>=',
  '->',
  '++',
  '--',
  '<<',
  '>>',
  '<=',
  '>=',
  '==',
  '!=',
  '&&',
  '||',
  '*=',
  '/=',
  '%=',
  '+=',
  '-=',
  '&=',
  '^=',
  '|=',
  '##',
  '<:',
  ':>',
  '<%',
  '%>',
  '%:',
];
const singlePunctuators = new Set('[](){}.&*+-~!/%<>^|?:;=,#'.split(''));
const digraphs: Record<string, string> = {
  '<:': '[',
  ':>': ']',
  '<%': '{',
  '%>': '}',
  '%:': '#',
  '%:%:': '##',
};

const isIdentStart = (c: string) => /[A-Za-z_$]/.test(c);
const isIdentPart = (c: string) => /[A-Za-z0-9_$]/.test(c);
const isDigit = (c: string) => c >= '0' && c <= '9';

/** Characters of logical lines with, for each, its physical line and column. */
interface RawLogicalLine {
  chars: string;
  lines: number[];
  columns: number[];
}

/**
 * Phases 1–2: joins spliced lines and replaces comments by a space. A block comment that spans
 * lines joins them, as C says; every character keeps its physical position for errors.
 */
function splitLogicalLines(
  file: SourceFile,
  text: string,
): { lines: RawLogicalLine[]; comments: Comment[] } {
  const result: RawLogicalLine[] = [];
  const comments: Comment[] = [];
  let current: RawLogicalLine = { chars: '', lines: [], columns: [] };
  let line = 1;
  let column = 1;
  let i = 0;
  let quote: string | undefined;
  const push = (c: string, atLine: number, atColumn: number) => {
    current.chars += c;
    current.lines.push(atLine);
    current.columns.push(atColumn);
  };
  const advance = () => {
    if (text[i] === '\n') {
      line++;
      column = 1;
    } else {
      column++;
    }
    i++;
  };
  // Skips backslash-newline pairs at i.
  const skipSplices = () => {
    for (;;) {
      if (text[i] === '\\' && text[i + 1] === '\n') {
        advance();
        advance();
      } else if (text[i] === '\\' && text[i + 1] === '\r' && text[i + 2] === '\n') {
        advance();
        advance();
        advance();
      } else {
        return;
      }
    }
  };
  const peekAfterSplices = (): string | undefined => {
    let j = i + 1;
    for (;;) {
      if (text[j] === '\\' && text[j + 1] === '\n') j += 2;
      else if (text[j] === '\\' && text[j + 1] === '\r' && text[j + 2] === '\n') j += 3;
      else return text[j];
    }
  };
  while (true) {
    skipSplices();
    if (i >= text.length) break;
    const c = text[i] as string;
    if (c === '\r' && text[i + 1] === '\n') {
      advance();
      continue;
    }
    if (c === '\n') {
      result.push(current);
      current = { chars: '', lines: [], columns: [] };
      quote = undefined;
      advance();
      continue;
    }
    if (quote) {
      push(c, line, column);
      if (c === '\\') {
        advance();
        skipSplices();
        if (i < text.length && text[i] !== '\n') {
          push(text[i] as string, line, column);
          advance();
        }
        continue;
      }
      if (c === quote) quote = undefined;
      advance();
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      push(c, line, column);
      advance();
      continue;
    }
    if (c === '/' && peekAfterSplices() === '*') {
      const startLine = line;
      const startColumn = column;
      advance();
      skipSplices();
      advance();
      let body = '';
      let closed = false;
      while (i < text.length) {
        if (text[i] === '*' && peekAfterSplices() === '/') {
          advance();
          skipSplices();
          advance();
          closed = true;
          break;
        }
        body += text[i];
        advance();
      }
      if (!closed) {
        throw new CodegenError('ERR_CODEGEN_UNTERMINATED_COMMENT', 'unterminated /* comment', {
          location: { file: file.path, line: startLine, column: startColumn },
          sourceLine: file.lines[startLine - 1] ?? '',
        });
      }
      comments.push({ file, startLine, startColumn, endLine: line, text: body });
      push(' ', startLine, startColumn);
      continue;
    }
    if (c === '/' && peekAfterSplices() === '/') {
      const startLine = line;
      const startColumn = column;
      let body = '';
      advance();
      skipSplices();
      advance();
      while (i < text.length) {
        skipSplices();
        if (i >= text.length || text[i] === '\n' || (text[i] === '\r' && text[i + 1] === '\n'))
          break;
        body += text[i];
        advance();
      }
      comments.push({ file, startLine, startColumn, endLine: startLine, text: body });
      push(' ', startLine, startColumn);
      continue;
    }
    push(c, line, column);
    advance();
  }
  if (current.chars.length > 0) result.push(current);
  return { lines: result, comments };
}

/** Phase 3: preprocessing tokens of one logical line. */
function tokenizeLine(file: SourceFile, raw: RawLogicalLine): Token[] {
  const tokens: Token[] = [];
  const { chars } = raw;
  let i = 0;
  let spaceBefore = false;
  while (i < chars.length) {
    const c = chars[i] as string;
    if (c === ' ' || c === '\t' || c === '\f' || c === '\v' || c === '\r') {
      spaceBefore = true;
      i++;
      continue;
    }
    const start = i;
    let kind: TokenKind;
    const literalPrefix = /^(u8|u|U|L)?(['"])/.exec(chars.slice(i, i + 3));
    if (literalPrefix && (literalPrefix[1] !== undefined || c === '"' || c === "'")) {
      const quote = literalPrefix[2] as string;
      i += literalPrefix[0].length;
      let closed = false;
      while (i < chars.length) {
        const d = chars[i];
        if (d === '\\') {
          i += 2;
          continue;
        }
        i++;
        if (d === quote) {
          closed = true;
          break;
        }
      }
      kind = closed ? (quote === '"' ? 'string' : 'char') : 'other';
      if (!closed) i = chars.length;
    } else if (isIdentStart(c)) {
      while (i < chars.length && isIdentPart(chars[i] as string)) i++;
      kind = 'identifier';
    } else if (isDigit(c) || (c === '.' && isDigit(chars[i + 1] ?? ''))) {
      i++;
      while (i < chars.length) {
        const d = chars[i] as string;
        if ((d === '+' || d === '-') && /[eEpP]/.test(chars[i - 1] as string)) i++;
        else if (isIdentPart(d) || d === '.') i++;
        else break;
      }
      kind = 'number';
    } else {
      const multi = punctuators.find((p) => chars.startsWith(p, i));
      if (multi) {
        i += multi.length;
        kind = 'punctuator';
      } else {
        i++;
        kind = singlePunctuators.has(c) ? 'punctuator' : 'other';
      }
    }
    let text = chars.slice(start, i);
    if (kind === 'punctuator') text = digraphs[text] ?? text;
    tokens.push({
      kind,
      text,
      file,
      line: raw.lines[start] as number,
      column: raw.columns[start] as number,
      spaceBefore,
    });
    spaceBefore = false;
  }
  return tokens;
}

export interface LexedFile {
  readonly file: SourceFile;
  readonly lines: LogicalLine[];
  readonly comments: Comment[];
}

export function lexFile(path: string, text: string): LexedFile {
  const file: SourceFile = { path, lines: text.split(/\r?\n/) };
  const { lines, comments } = splitLogicalLines(file, text);
  const logical: LogicalLine[] = [];
  for (const raw of lines) {
    const tokens = tokenizeLine(file, raw);
    if (tokens.length > 0) logical.push({ file, tokens, line: tokens[0]?.line ?? 0 });
  }
  return { file, lines: logical, comments };
}

/** Re-lexes a string (the result of `##`) into tokens positioned at `at`. */
export function lexFragment(text: string, at: Token): Token[] {
  const raw: RawLogicalLine = {
    chars: text,
    lines: Array.from(text, () => at.line),
    columns: Array.from(text, () => at.column),
  };
  return tokenizeLine(at.file, raw);
}
