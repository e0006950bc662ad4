/**
 * `vmci mount CID:PORT MOUNTPOINT`: connects to a `vmci share` and mounts it with the Linux
 * kernel's 9p client over the connected descriptor (`trans=fd`). The mount outlives the command;
 * `umount MOUNTPOINT` ends it. Needs root and the 9p modules.
 */
import { stat } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import { parseVsockAddress } from '@vmci/sockets';
import { optionalPositiveInteger, stringOption } from '../args.js';
import type { CommandContext, ParsedCommand } from '../command.js';
import { UsageError } from '../io.js';

export async function run(parsed: ParsedCommand, context: CommandContext): Promise<number> {
  const { io } = context;
  if (context.transport)
    throw new UsageError(
      'vmci mount: the kernel mounts over a kernel vsock connection; --transport and --hybrid do not apply (use @vmci/share’s client API instead)',
    );
  const address = parseVsockAddress(parsed.positionals[0] as string);
  const mountpoint = resolvePath(parsed.positionals[1] as string);
  const info = await stat(mountpoint).catch(() => undefined);
  if (!info?.isDirectory()) throw new UsageError(`vmci mount: ${mountpoint} is not a directory`);
  const messageSize = optionalPositiveInteger('mount', parsed, 'msize');
  const extraOptions = stringOption(parsed, 'options');
  const { mountShare } = await import('@vmci/share');
  await mountShare({
    cid: address.cid,
    port: address.port,
    mountpoint,
    readOnly: parsed.values['read-only'] === true,
    ...(messageSize !== undefined ? { messageSize } : {}),
    ...(extraOptions !== undefined ? { extraOptions } : {}),
    ...(context.signal ? { signal: context.signal } : {}),
  });
  io.stderr(
    `mounted vsock ${address.cid}:${address.port} on ${mountpoint} (umount ${mountpoint} to end it)\n`,
  );
  return 0;
}
