/**
 * Lines ↔ messages, for `--seqpacket` and `--dgram`: each input line is one message, and each
 * message is printed as one line (or as one JSON object with its sender, for `--json`).
 */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { VsockAddress } from '@vmci/sockets';
import type { CliIo } from './io.js';

/**
 * Calls `send` for every non-empty line of `input`, in order, one at a time (backpressure: the
 * next line waits for the previous send). Empty lines are skipped: an empty SEQPACKET message
 * cannot be told from end-of-stream by the receiver.
 */
export async function sendLines(
  input: Readable,
  send: (line: Buffer) => Promise<void>,
): Promise<number> {
  let sent = 0;
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) {
    if (line.length === 0) continue;
    await send(Buffer.from(line));
    sent++;
  }
  return sent;
}

/** Prints one received message: raw bytes plus a newline, or a JSON object for `--json`. */
export function printMessage(
  io: CliIo & { stdoutStream?: NodeJS.WritableStream },
  data: Buffer,
  options: { json: boolean; from?: VsockAddress },
): void {
  if (options.json) {
    const text = data.toString('utf8');
    // Bytes that are not UTF-8 travel as base64, so JSON output never loses data.
    const body = Buffer.from(text, 'utf8').equals(data)
      ? { text }
      : { base64: data.toString('base64') };
    io.stdout(
      `${JSON.stringify({ ...(options.from ? { from: options.from } : {}), size: data.length, ...body })}\n`,
    );
    return;
  }
  if (io.stdoutStream) {
    io.stdoutStream.write(data);
    io.stdoutStream.write('\n');
  } else io.stdout(`${data.toString('utf8')}\n`);
}
