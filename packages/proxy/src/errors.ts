/**
 * The proxy's one error type: an errno-like `code` (EADDRINUSE, ECONNREFUSED, ETIMEDOUT, …) and one
 * sentence, so `vmci` prints `vmci: CODE: sentence` and programs can branch on the code. Bad
 * options are `ERR_VMCI_INVALID_ARGUMENT` (exit code 2; `vmci proxy` reports them as usage errors).
 */
import { exitCodeFor } from '@vmci/ffi';
import { errorCodeOf } from '@vmci/sockets';

/** A proxy failure: `code` to branch on, a message that says what to do. */
export class ProxyError extends Error {
  /** An errno name, `ERR_VMCI_INVALID_ARGUMENT` for bad options, or `ABORT_ERR`. */
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

/** The code of bad options: an endpoint, a rule, a limit, a missing allowlist. */
export const invalidArgumentCode = 'ERR_VMCI_INVALID_ARGUMENT';

/** A {@link ProxyError} for bad options (exit code 2). */
export function invalidArgument(message: string): ProxyError {
  return new ProxyError(invalidArgumentCode, message);
}

/** Whether `error` is the proxy's error for bad options. */
export function isInvalidArgument(error: unknown): error is ProxyError {
  return error instanceof ProxyError && error.code === invalidArgumentCode;
}

/** The `code` of any thrown value (`ERR_UNKNOWN` when it has none). */
export function errorCode(error: unknown): string {
  return errorCodeOf(error) ?? 'ERR_UNKNOWN';
}

/** The message of any thrown value. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
