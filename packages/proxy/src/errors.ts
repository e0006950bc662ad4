/**
 * The proxy's one error type: an errno-like `code` (EADDRINUSE, ECONNREFUSED, ETIMEDOUT, …) and one
 * sentence, so `vmci` prints `vmci: CODE: sentence` and programs can branch on the code. Bad
 * options are `ERR_VMCI_INVALID_ARGUMENT` (exit code 2; `vmci proxy` reports them as usage errors).
 */
import { brandErrorClass, errorCodeOf, type ProxyErrorCode, VmciError } from '@vmci/sockets';

/**
 * A proxy failure: `code` to branch on, a message that says what to do. A `VmciError` (one
 * hierarchy with the other vmci packages; `exitCode` is 2 for bad options, else 1), branded so
 * `ProxyError.isInstance` holds across duplicate installs.
 */
export class ProxyError extends VmciError {
  /** An errno name, `ERR_VMCI_INVALID_ARGUMENT` for bad options, or `ABORT_ERR`. */
  declare readonly code: ProxyErrorCode;

  constructor(code: ProxyErrorCode | string, message: string, options: { cause?: unknown } = {}) {
    // A failed leg's code comes from another library: carried as it was, typed as ours.
    super(code as ProxyErrorCode, message, options);
    this.name = 'ProxyError';
  }
}
brandErrorClass(ProxyError, 'ProxyError');

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
