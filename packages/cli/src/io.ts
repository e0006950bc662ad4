/**
 * What a command writes to, so every command runs the same in tests and in a terminal.
 */
import type { Readable, Writable } from 'node:stream';
import { brandErrorClass, VmciError } from '@vmci/sockets';

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** stdout is a terminal. */
  readonly isTTY: boolean;
  /** stderr is a terminal: progress bars go there, and only then. */
  readonly stderrIsTTY?: boolean;
}

/** An IO with byte streams, for commands that pipe data (listen, connect). */
export interface StreamIo extends CliIo {
  readonly stdin: Readable;
  readonly stdoutStream: Writable;
}

export const processIo: StreamIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  isTTY: Boolean(process.stdout.isTTY),
  stderrIsTTY: Boolean(process.stderr.isTTY),
  stdin: process.stdin,
  stdoutStream: process.stdout,
};

export function hasStreams(io: CliIo): io is StreamIo {
  return 'stdin' in io && 'stdoutStream' in io;
}

/** A usage error: exit code 2 and one clear sentence on stderr. */
export class UsageError extends VmciError {
  declare readonly code: 'ERR_VMCI_USAGE';

  constructor(message: string, options: { cause?: unknown } = {}) {
    super('ERR_VMCI_USAGE', message, options);
    this.name = 'UsageError';
  }
}
brandErrorClass(UsageError, 'UsageError');
