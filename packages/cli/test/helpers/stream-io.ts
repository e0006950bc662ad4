/**
 * In-memory IOs for running commands in-process: a StreamIo with stdin from a string (or left
 * open) and stdout/stderr captured, and a CliIo that also reads stderr's JSON log lines.
 */
import { PassThrough } from 'node:stream';
import type { ProxyEvent } from '@vmci/proxy';
import { EventLog } from '../../../../test/helpers/event-log.js';
import type { CliIo, StreamIo } from '../../src/io.js';

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

/**
 * A CliIo that keeps stdout and stderr; stderr's JSON lines (`vmci proxy`'s log) go into `log`
 * as they arrive.
 */
export function captureIo() {
  let stdout = '';
  let stderr = '';
  const log = new EventLog<ProxyEvent>();
  let pending = '';
  const io: CliIo = {
    stdout: (text: string) => {
      stdout += text;
    },
    stderr: (text: string) => {
      stderr += text;
      pending += text;
      let newline = pending.indexOf('\n');
      while (newline >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        if (line.startsWith('{')) log.push(JSON.parse(line) as ProxyEvent);
        newline = pending.indexOf('\n');
      }
    },
    isTTY: false,
  };
  return { io, log, stdout: () => stdout, stderr: () => stderr };
}

export { waitForText } from '../../../../test/helpers/wait-for-text.js';
