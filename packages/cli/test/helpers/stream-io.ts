/**
 * An in-memory StreamIo for running commands in-process: stdin from a string (or left open),
 * stdout/stderr captured.
 */
import { PassThrough } from 'node:stream';
import type { StreamIo } from '../../src/io.js';

export function streamIo(input?: string, options: { stderrIsTTY?: boolean } = {}) {
  const stdin = new PassThrough();
  if (input !== undefined) stdin.end(input);
  const stdoutStream = new PassThrough();
  let out = '';
  let err = '';
  stdoutStream.on('data', (chunk: Buffer) => {
    out += chunk;
  });
  const io: StreamIo = {
    stdin,
    stdoutStream,
    stdout: (text) => {
      out += text;
    },
    stderr: (text) => {
      err += text;
    },
    isTTY: false,
    stderrIsTTY: options.stderrIsTTY ?? false,
  };
  return { io, stdin, output: () => out, errors: () => err };
}

export { waitForText } from '../../../../test/helpers/wait-for-text.js';
