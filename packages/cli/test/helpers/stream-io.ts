/**
 * An in-memory StreamIo for running commands in-process: stdin from a string (or left open),
 * stdout/stderr captured.
 */
import { PassThrough } from 'node:stream';
import type { StreamIo } from '../../src/index.js';

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

/** Resolves once `read()` contains `text` (polling; for output written from other callbacks). */
export async function waitForText(read: () => string, text: string | RegExp, ms = 5000) {
  const deadline = Date.now() + ms;
  const found = () => (typeof text === 'string' ? read().includes(text) : text.test(read()));
  while (!found()) {
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${String(text)}; have: ${JSON.stringify(read())}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
