/**
 * `vmci send <cid>:<port> <file>...`: sends files to `vmci recv` over one vsock connection and
 * exits 0 only when the receiver confirmed each one (size and SHA-256 matched, file in place).
 * The work is done by `sendFiles` (@vmci/transfer); this file turns arguments into its options
 * and prints what it reports.
 */
import { parseVsockAddress } from '@vmci/sockets';
import {
  formatBytes,
  progressFactory,
  type SendSummary,
  sendFiles,
  TransferError,
  transferErrorCodes,
  wantsProgress,
} from '@vmci/transfer';
import { optionalPositiveInteger, stringOption } from '../args.js';
import type { CommandContext, ParsedCommand } from '../command.js';
import { UsageError } from '../io.js';
import { guestCidOf, withTransportOptions } from '../transport-option.js';

/** `vmci send` as the CLI runs it. */
export async function run(parsed: ParsedCommand, given: CommandContext): Promise<number> {
  const [address, ...files] = parsed.positionals as [string, ...string[]];
  const { cid, port } = parseVsockAddress(address);
  const context = withTransportOptions('send', parsed, given, guestCidOf(cid));
  const { io } = context;
  const name = stringOption(parsed, 'name');
  const connectTimeout = optionalPositiveInteger('send', parsed, 'timeout');
  const bufferSize = optionalPositiveInteger('send', parsed, 'buffer-size');
  const json = parsed.values.json === true;
  let confirmed = 0;
  let summary: SendSummary;
  try {
    summary = await sendFiles({
      cid,
      port,
      files,
      ...(name !== undefined ? { name } : {}),
      ...(connectTimeout !== undefined ? { connectTimeout } : {}),
      ...(bufferSize !== undefined ? { bufferSize } : {}),
      ...(context.transport ? { transport: context.transport } : {}),
      ...(context.signal ? { signal: context.signal } : {}),
      progress: progressFactory(io, wantsProgress(io, parsed.values['no-progress'])),
      onSent: (file) => {
        confirmed++;
        if (json)
          io.stdout(
            `${JSON.stringify({ name: file.name, size: file.size, sha256: file.sha256, seconds: file.seconds, bytesPerSecond: file.bytesPerSecond })}\n`,
          );
        else
          io.stderr(
            `sent ${file.name} (${formatBytes(file.size)}) in ${file.seconds.toFixed(2)} s, ${(file.bytesPerSecond / 1e6).toFixed(1)} MB/s, sha256 ${file.sha256}\n`,
          );
      },
      onFailed: (failure) => io.stderr(`vmci: ${failure.code}: ${failure.message}\n`),
    });
  } catch (error) {
    // Arguments that cannot work are usage errors (exit 2); everything else failed (exit 1).
    if ((error as TransferError).code === transferErrorCodes.invalidArgument)
      throw new UsageError(`vmci send: ${(error as Error).message}`);
    // Stopped by SIGINT/SIGTERM: say what became of the files rather than just "aborted".
    if (context.signal?.aborted)
      throw new TransferError(
        transferErrorCodes.interrupted,
        `vmci send was stopped before the receiver confirmed every file: ${confirmed} of ${files.length} stored; the receiver deletes what it got of the file in progress, so send the rest again`,
        { cause: error },
      );
    throw error;
  }
  return summary.failed.length === 0 ? 0 : 1;
}
