/**
 * `--transport SETTING` and `--hybrid UDS`, as each command that offers them reads them from its
 * own parsed options: commands talk through the transport a setting names (`kernel`,
 * `testkit:PATH[?cid=CID]`; see @vmci/sockets' transport setting) or through a Firecracker /
 * cloud-hypervisor hybrid vsock device (a Unix socket on the host) instead of the kernel's AF_VSOCK.
 */
import { HybridVsockTransport } from '@vmci/hybrid';
import { isGuestCid, KernelTransport, transportFromSetting } from '@vmci/sockets';
import type { CommandContext, ParsedCommand } from './command.js';
import { UsageError } from './io.js';

/** `cid` when it is a guest's (the VM a hybrid device leads to), else undefined. */
export function guestCidOf(cid: number | undefined): number | undefined {
  return cid !== undefined && isGuestCid(cid) ? cid : undefined;
}

/**
 * The context with the transport `--transport` or `--hybrid` names, if the command was given
 * one; `guestCid` is the guest the command addresses (from the address it parsed), which a hybrid
 * device needs. A malformed or unreachable setting is an error, never a fallback to the kernel.
 */
export function withTransportOptions(
  command: string,
  parsed: ParsedCommand,
  context: CommandContext,
  guestCid?: number,
): CommandContext {
  const setting = parsed.values.transport;
  const udsPath = parsed.values.hybrid;
  if (typeof setting === 'string') {
    if (typeof udsPath === 'string')
      throw new UsageError(`vmci ${command}: --transport and --hybrid cannot be combined`);
    if (context.transport)
      throw new UsageError(
        `vmci ${command}: --transport cannot replace the transport this run was given`,
      );
    return { ...context, transport: transportFromSetting(setting) ?? new KernelTransport() };
  }
  if (typeof udsPath !== 'string') return context;
  if (context.transport)
    throw new UsageError(
      `vmci ${command}: --hybrid cannot replace the transport this run was given`,
    );
  return {
    ...context,
    transport: new HybridVsockTransport({
      udsPath,
      ...(guestCid !== undefined ? { guestCid } : {}),
    }),
  };
}
