const marker = Symbol.for('vmci.header-codegen.error');

/** Stable codes of every error the generator raises. */
export type CodegenErrorCode =
  | 'ERR_CODEGEN_SYNTAX'
  | 'ERR_CODEGEN_UNTERMINATED_COMMENT'
  | 'ERR_CODEGEN_UNTERMINATED_LITERAL'
  | 'ERR_CODEGEN_UNTERMINATED_CONDITIONAL'
  | 'ERR_CODEGEN_UNBALANCED_CONDITIONAL'
  | 'ERR_CODEGEN_BAD_DIRECTIVE'
  | 'ERR_CODEGEN_BAD_MACRO'
  | 'ERR_CODEGEN_MACRO_ARGUMENTS'
  | 'ERR_CODEGEN_RECURSIVE_MACRO'
  | 'ERR_CODEGEN_EXPANSION_LIMIT'
  | 'ERR_CODEGEN_NESTING_LIMIT'
  | 'ERR_CODEGEN_INCLUDE_NOT_FOUND'
  | 'ERR_CODEGEN_INCLUDE_DEPTH'
  | 'ERR_CODEGEN_ERROR_DIRECTIVE'
  | 'ERR_CODEGEN_NOT_CONSTANT'
  | 'ERR_CODEGEN_DIVISION_BY_ZERO'
  | 'ERR_CODEGEN_UNKNOWN_TYPE'
  | 'ERR_CODEGEN_INCOMPLETE_TYPE'
  | 'ERR_CODEGEN_BAD_ARRAY_SIZE'
  | 'ERR_CODEGEN_REDEFINITION'
  | 'ERR_CODEGEN_UNKNOWN_TARGET'
  | 'ERR_CODEGEN_NEW_SKIP'
  | 'ERR_CODEGEN_STALE_OUTPUT'
  | 'ERR_CODEGEN_BAD_CONFIG'
  | 'ERR_CODEGEN_CONFIG_NOT_FOUND'
  | 'ERR_CODEGEN_CONFIG_LOAD'
  | 'ERR_CODEGEN_SDK_NOT_FOUND'
  | 'ERR_CODEGEN_IO';

/** Where in which input file an error was found. */
export interface SourceLocation {
  readonly file: string;
  /** 1-based line. */
  readonly line: number;
  /** 1-based column. */
  readonly column: number;
}

/**
 * The one error class of the generator: a stable `code`, the location and the offending line,
 * so that a user can fix the header (or the target profile) without reading our source.
 */
export class CodegenError extends Error {
  /** Brand checked by `isInstance` (survives duplicate installs, unlike `instanceof`). */
  readonly [marker] = true;
  readonly code: CodegenErrorCode;
  readonly location: SourceLocation | undefined;
  /** The text of the offending source line, when known. */
  readonly sourceLine: string | undefined;

  constructor(
    code: CodegenErrorCode,
    message: string,
    options: { location?: SourceLocation; sourceLine?: string; cause?: unknown } = {},
  ) {
    const where = options.location
      ? `${options.location.file}:${options.location.line}:${options.location.column}: `
      : '';
    const excerpt =
      options.sourceLine !== undefined && options.location
        ? `\n  ${options.sourceLine}\n  ${' '.repeat(Math.max(0, options.location.column - 1))}^`
        : '';
    super(`${where}${message}${excerpt}`, { cause: options.cause });
    this.name = 'CodegenError';
    this.code = code;
    this.location = options.location;
    this.sourceLine = options.sourceLine;
  }

  /** `instanceof` that also holds across duplicate installs of this package. */
  static isInstance(value: unknown): value is CodegenError {
    return typeof value === 'object' && value !== null && marker in value;
  }
}
