/**
 * `vmci share DIR`: serves a directory as 9P2000.L over vsock until interrupted (a Linux guest
 * mounts it with `vmci mount`). Nothing outside DIR is reachable; `--read-only` refuses every
 * change; `--allow-from vsock:CID` limits which VMs may attach; file systems mounted beneath DIR
 * are served only with `--cross-mounts`.
 */
import { stat } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import { CID_ANY, resolveCid } from '@vmci/sockets';
import { optionalPositiveInteger, stringOption } from '../args.js';
import type { CommandContext, ParsedCommand } from '../command.js';
import { UsageError } from '../io.js';
import { listenPort } from '../ports.js';
import { withTransportOptions } from '../transport-option.js';
import { untilAborted } from '../until-aborted.js';

/** `--allow-from vsock:CID` (or a bare CID / host / local) → the CID. */
export function allowFromCid(rule: string): number {
  const match = /^(?:vsock:)?([^:\s]+)$/i.exec(rule.trim());
  if (!match)
    throw new UsageError(`vmci share: --allow-from takes vsock:CID (e.g. vsock:3); got '${rule}'`);
  return resolveCid(match[1] as string, '--allow-from');
}

export async function run(parsed: ParsedCommand, given: CommandContext): Promise<number> {
  const context = withTransportOptions('share', parsed, given);
  const { io } = context;
  const dir = resolvePath(parsed.positionals[0] as string);
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw new UsageError(`vmci share: ${dir} is not a directory`);
  const port = listenPort(stringOption(parsed, 'port') ?? '0');
  const cidOption = stringOption(parsed, 'cid');
  const cid = cidOption === undefined ? undefined : resolveCid(cidOption, '--cid');
  const rules = parsed.values['allow-from'];
  const allowFrom = Array.isArray(rules) ? rules.map(allowFromCid) : undefined;
  const maxMessageSize = optionalPositiveInteger('share', parsed, 'max-message-size');
  const readOnly = parsed.values['read-only'] === true;
  const crossMounts = parsed.values['cross-mounts'] === true;
  const { createShareServer } = await import('@vmci/share');
  const server = createShareServer({
    root: dir,
    readOnly,
    crossMounts,
    ...(allowFrom ? { allowFrom } : {}),
    ...(maxMessageSize !== undefined ? { maxMessageSize } : {}),
    ...(context.transport ? { transport: context.transport } : {}),
  });
  const address = await server.listen(port, cid);
  const where = address.cid === CID_ANY ? 'any' : address.cid;
  io.stderr(
    `sharing ${dir} on vsock ${where}:${address.port}${readOnly ? ' (read-only)' : ''}${allowFrom ? ` for CID ${allowFrom.join(', ')}` : ''}\n`,
  );
  await untilAborted(context.signal);
  await server.close();
  return 0;
}
