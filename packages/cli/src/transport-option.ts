/**
 * `--hybrid UDS`: commands talk through a Firecracker / cloud-hypervisor hybrid vsock device (a
 * Unix socket on the host) instead of the kernel's AF_VSOCK.
 */
import type { CommandContext, ParsedCommand } from './command.js';
import { UsageError } from './io.js';

/** The guest CID the command addresses (`3:5000`, `--to vsock:3:5000`), if it names one. */
function addressedCid(command: string, parsed: ParsedCommand): number | undefined {
  const address =
    command === 'proxy'
      ? /^vsock:([^:]+):\d+$/.exec(String(parsed.values.to ?? ''))?.[1]
      : /^(?:vsock:\/\/)?(\d+):\d+$/.exec(parsed.positionals[0] ?? '')?.[1];
  const cid = Number(address);
  return Number.isInteger(cid) && cid >= 3 ? cid : undefined;
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
  const { HybridVsockTransport } = await import('@vmci/sockets');
  const guestCid = addressedCid(command, parsed);
  return {
    ...context,
    transport: new HybridVsockTransport({
      udsPath,
      ...(guestCid !== undefined ? { guestCid } : {}),
    }),
  };
}
