/** What a command writes to, so every command runs the same in tests and in a terminal. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  readonly isTTY: boolean;
}

export const processIo: CliIo & {
  stdin: NodeJS.ReadableStream & import('node:stream').Readable;
  stdoutStream: import('node:stream').Writable;
} = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  isTTY: Boolean(process.stdout.isTTY),
  stdin: process.stdin,
  stdoutStream: process.stdout,
};

/** A usage error: exit code 2 and one clear sentence on stderr. */
export class UsageError extends Error {
  readonly exitCode = 2;
}
