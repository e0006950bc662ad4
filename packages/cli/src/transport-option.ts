/**
 * `--hybrid UDS`: commands talk through a Firecracker / cloud-hypervisor hybrid vsock device (a
 * Unix socket on the host) instead of the kernel's AF_VSOCK.
 */
import type { CommandContext, ParsedCommand } from './command.js';
import { UsageError } from './io.js';

/**
 * The guest CID the command addresses (`3:5000`, `--to vsock:3:5000`), if it names one; read with
 * the sockets package's address grammar. A malformed address is the command's own error to report.
 */
async function addressedCid(command: string, parsed: ParsedCommand): Promise<number | undefined> {
  const text = command === 'proxy' ? parsed.values.to : parsed.positionals[0];
  if (typeof text !== 'string') return undefined;
  const { isGuestCid, parseVsockAddress } = await import('@vmci/sockets');
  let cid: number;
  try {
    ({ cid } = parseVsockAddress(text));
  } catch {
    return undefined;
  }
  return isGuestCid(cid) ? cid : undefined;
}

/**
 * `--transport SETTING` (`kernel`, `testkit:PATH[?cid=CID]`; see @vmci/sockets' transport
 * setting): a malformed or unreachable setting is an error, never a fallback to the kernel.
 */
async function withTransportSetting(
  command: string,
  setting: string,
  parsed: ParsedCommand,
  context: CommandContext,
): Promise<CommandContext> {
  if (typeof parsed.values.hybrid === 'string')
    throw new UsageError(`vmci ${command}: --transport and --hybrid cannot be combined`);
  if (context.transport)
    throw new UsageError(
      `vmci ${command}: --transport cannot replace the transport this run was given`,
    );
  const { KernelTransport, transportFromSetting } = await import('@vmci/sockets');
  return { ...context, transport: transportFromSetting(setting) ?? new KernelTransport() };
}

/** The context with the transport `--transport` or `--hybrid` names, if any. */
export async function withHybridTransport(
  command: string,
  parsed: ParsedCommand,
  context: CommandContext,
): Promise<CommandContext> {
  if (typeof parsed.values.transport === 'string')
    return withTransportSetting(command, parsed.values.transport, parsed, context);
  const udsPath = parsed.values.hybrid;
  if (typeof udsPath !== 'string') return context;
  if (context.transport)
    throw new UsageError(
      `vmci ${command}: --hybrid cannot replace the transport this run was given`,
    );
  // Loaded only here: `vmci --version` and `--help` stay free of the sockets package.
  const { HybridVsockTransport } = await import('@vmci/hybrid');
  const guestCid = await addressedCid(command, parsed);
  return {
    ...context,
    transport: new HybridVsockTransport({
      udsPath,
      ...(guestCid !== undefined ? { guestCid } : {}),
    }),
  };
}
