/**
 * `vmci recv <port>`: receives files from `vmci send` into a directory; without `--keep` it serves
 * one sender and exits. The work is done by `receiveFiles` (@vmci/transfer: temporary file, SHA-256
 * check, atomic rename); this file turns arguments into its options and prints what it reports.
 */
import { stat } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import { CID_ANY, resolveCid } from '@vmci/sockets';
import {
  formatBytes,
  oneAtATime,
  progressFactory,
  receiveFiles,
  wantsProgress,
} from '@vmci/transfer';
import { optionalPositiveInteger, stringOption } from '../args.js';
import type { CommandContext, ParsedCommand } from '../command.js';
import { UsageError } from '../io.js';
import { listenPort } from '../ports.js';
import { withTransportOptions } from '../transport-option.js';

/** `vmci recv` as the CLI runs it. */
export async function run(parsed: ParsedCommand, given: CommandContext): Promise<number> {
  const context = withTransportOptions('recv', parsed, given);
  const { io } = context;
  const port = listenPort(parsed.positionals[0] as string);
  const cidOption = stringOption(parsed, 'cid');
  const cid = cidOption === undefined ? undefined : resolveCid(cidOption, '--cid');
  const dir = resolvePath(stringOption(parsed, 'dir') ?? '.');
  await checkDirectory(dir);
  const maxSize = optionalPositiveInteger('recv', parsed, 'max-size');
  const idleTimeoutMs = optionalPositiveInteger('recv', parsed, 'idle-timeout');
  const bufferSize = optionalPositiveInteger('recv', parsed, 'buffer-size');
  const json = parsed.values.json === true;
  const summary = await receiveFiles({
    dir,
    port,
    ...(cid !== undefined ? { cid } : {}),
    keep: parsed.values.keep === true,
    overwrite: parsed.values.overwrite === true,
    ...(maxSize !== undefined ? { maxSize } : {}),
    ...(idleTimeoutMs !== undefined ? { idleTimeoutMs } : {}),
    ...(bufferSize !== undefined ? { bufferSize } : {}),
    ...(context.transport ? { transport: context.transport } : {}),
    ...(context.signal ? { signal: context.signal } : {}),
    progress: oneAtATime(progressFactory(io, wantsProgress(io, parsed.values['no-progress']))),
    onListening: (address) =>
      io.stderr(
        `listening on vsock ${address.cid === CID_ANY ? 'any' : address.cid}:${address.port}\n`,
      ),
    onConnection: (peer) => io.stderr(`connection from ${peer.remoteCid}:${peer.remotePort}\n`),
    onStored: (file) => {
      if (json)
        io.stdout(
          `${JSON.stringify({ name: file.name, path: file.path, size: file.size, sha256: file.sha256, seconds: file.seconds, bytesPerSecond: file.bytesPerSecond, remoteCid: file.remoteCid, remotePort: file.remotePort })}\n`,
        );
      else
        io.stderr(
          `stored ${file.name} (${formatBytes(file.size)}) in ${file.seconds.toFixed(2)} s, ${(file.bytesPerSecond / 1e6).toFixed(1)} MB/s, sha256 ${file.sha256}\n`,
        );
    },
    onFailed: (failure) => io.stderr(`vmci: ${failure.code}: ${failure.message}\n`),
  });
  // --keep stops on a signal, which is how it is meant to end; failures were reported as they came.
  if (parsed.values.keep === true) return 0;
  return summary.failed.length === 0 ? 0 : 1;
}

async function checkDirectory(dir: string): Promise<void> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(dir)).isDirectory();
  } catch {
    throw new UsageError(`vmci recv: --dir ${dir} does not exist: create it first (mkdir -p)`);
  }
  if (!isDirectory) throw new UsageError(`vmci recv: --dir ${dir} is not a directory`);
}
