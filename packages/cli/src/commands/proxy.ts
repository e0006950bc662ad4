/**
 * `vmci proxy --from ENDPOINT --to ENDPOINT (--allowlist FILE | --allow RULE...)`: relays TCP or
 * Unix sockets to vsock and back, deny by default, one JSON log line per event on stderr. Serves
 * until the context's signal aborts (SIGINT/SIGTERM in the binary), then stops gracefully.
 *
 * The work is done by `startProxy` (@vmci/proxy); this file turns arguments into its options and
 * reports bad ones as usage errors (exit 2).
 */
import {
  createProxyLog,
  ProxyError,
  type ProxyLogFormat,
  type ProxyOptionLabels,
  type ProxyOptions,
  parseEndpoint,
  startProxy,
} from '@vmci/proxy';
import { listOption, optionalPositiveInteger, stringOption } from '../args.js';
import type { CommandContext, ParsedCommand } from '../command.js';
import { UsageError } from '../io.js';
import { guestCidOf, withTransportOptions } from '../transport-option.js';
import { untilAborted } from '../until-aborted.js';

function required(parsed: ParsedCommand, name: 'from' | 'to'): string {
  const value = stringOption(parsed, name);
  if (value !== undefined) return value;
  const example = name === 'from' ? 'tcp:127.0.0.1:8080' : 'vsock:3:80';
  const what = name === 'from' ? 'where to listen' : 'where to connect';
  throw new UsageError(`vmci proxy: --${name} is required (${what}, e.g. --${name} ${example})`);
}

function logFormat(parsed: ParsedCommand): ProxyLogFormat {
  const format = stringOption(parsed, 'log-format') ?? 'json';
  if (format !== 'json' && format !== 'text')
    throw new UsageError(`vmci proxy: --log-format must be json or text, got '${format}'`);
  return format;
}

/** The library's options as this command's flags, so its messages name what the user typed. */
const optionFlags: ProxyOptionLabels = {
  from: '--from',
  to: '--to',
  allow: '--allow',
  allowlistFile: '--allowlist',
  allowFrom: '--allow-from',
  maxConnections: '--max-connections',
  bufferSize: '--buffer-size',
  idleTimeoutMs: '--idle-timeout',
  connectTimeoutMs: '--connect-timeout',
};

/** The proxy's options from the command line (throws {@link UsageError} for bad values). */
export function proxyOptionsFromArgs(
  parsed: ParsedCommand,
): ProxyOptions & { readonly from: string; readonly to: string } {
  const optionalInteger = (name: string) => optionalPositiveInteger('proxy', parsed, name);
  const allowlistFile = stringOption(parsed, 'allowlist');
  const maxConnections = optionalInteger('max-connections');
  const idleTimeoutMs = optionalInteger('idle-timeout');
  const connectTimeoutMs = optionalInteger('connect-timeout');
  const bufferSize = optionalInteger('buffer-size');
  return {
    from: required(parsed, 'from'),
    to: required(parsed, 'to'),
    allow: listOption(parsed, 'allow'),
    allowFrom: listOption(parsed, 'allow-from'),
    optionLabels: optionFlags,
    ...(allowlistFile !== undefined ? { allowlistFile } : {}),
    ...(maxConnections !== undefined ? { maxConnections } : {}),
    ...(idleTimeoutMs !== undefined ? { idleTimeoutMs } : {}),
    ...(connectTimeoutMs !== undefined ? { connectTimeoutMs } : {}),
    ...(bufferSize !== undefined ? { bufferSize } : {}),
  };
}

/** `vmci proxy`: serves until `context.signal` aborts; 0 after a clean stop. */
export async function run(parsed: ParsedCommand, given: CommandContext): Promise<number> {
  const options = proxyOptionsFromArgs(parsed);
  const onEvent = createProxyLog({
    write: (line) => given.io.stderr(line),
    format: logFormat(parsed),
    quiet: parsed.values.quiet === true,
  });
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  try {
    // Where to connect, read once: its CID is the guest a --hybrid device leads to.
    const to = parseEndpoint(options.to, 'connect', 'vmci proxy: --to');
    const vsockCid = to.kind === 'vsock' ? to.cid : undefined;
    const context = withTransportOptions('proxy', parsed, given, guestCidOf(vsockCid));
    proxy = await startProxy({
      ...options,
      to,
      onEvent,
      ...(context.transport ? { transport: context.transport } : {}),
    });
  } catch (error) {
    // Bad endpoints, rules and limits are the library's ERR_VMCI_INVALID_ARGUMENT: usage errors here.
    if (error instanceof ProxyError && error.exitCode === 2)
      throw new UsageError(error.message, { cause: error });
    throw error;
  }
  await untilAborted(given.signal);
  await proxy.close();
  return 0;
}
