/**
 * The proxy's runtime error: an errno-like `code` (EADDRINUSE, ECONNREFUSED, ETIMEDOUT, …) and one
 * sentence, so `vmci` prints `vmci: CODE: sentence` and programs can branch on the code.
 * Argument errors are {@link UsageError}s instead (exit 2).
 */
import { exitCodeFor } from '@vmci/ffi';

export class ProxyError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProxyError';
    this.code = code;
  }

  /** The `vmci` exit code: 2 when it wraps a bad argument or address, 1 otherwise. */
  get exitCode(): 1 | 2 {
    return exitCodeFor(this.code);
  }
}

/** The `code` of any thrown value (`ERR_UNKNOWN` when it has none). */
export function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code !== '' ? code : 'ERR_UNKNOWN';
}

/** The message of any thrown value. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
