/**
 * A stream connection piped both ways with standard input and output, ncat-style.
 */
import type { Duplex } from 'node:stream';
import type { CliIo, StreamIo } from './io.js';

/** Resolves when `emitter` closes, with the error it reported first (if any). */
export function closed(emitter: {
  once(event: 'close', listener: () => void): unknown;
  once(event: 'error', listener: (error: Error) => void): unknown;
}): Promise<Error | undefined> {
  return new Promise((resolve) => {
    let failure: Error | undefined;
    emitter.once('error', (error: Error) => {
      failure ??= error;
    });
    emitter.once('close', () => resolve(failure));
  });
}

/**
 * Pipes a connection both ways with the terminal; resolves when the connection closes, with the
 * error that closed it (already reported on stderr).
 */
export async function pipeWithStdio(socket: Duplex, io: StreamIo): Promise<Error | undefined> {
  socket.on('error', (error) => reportSocketError(io, error));
  const done = closed(socket);
  io.stdin.pipe(socket);
  socket.pipe(io.stdoutStream, { end: false });
  const failure = await done;
  io.stdin.unpipe(socket);
  return failure;
}

/** One line on stderr for a socket error: `vmci: CODE: message`. */
export function reportSocketError(io: CliIo, error: Error): void {
  io.stderr(`vmci: ${(error as { code?: string }).code ?? 'error'}: ${error.message}\n`);
}
