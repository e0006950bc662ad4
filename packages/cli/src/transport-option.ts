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

/** The context with a hybrid vsock transport when `--hybrid` was given. */
export async function withHybridTransport(
  command: string,
  parsed: ParsedCommand,
  context: CommandContext,
): Promise<CommandContext> {
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
