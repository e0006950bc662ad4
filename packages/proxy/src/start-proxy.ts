/**
 * The proxy itself: listen on `from`, and for every client check the allowlist, connect to `to`
 * and relay both ways — with a limit on open connections, timeouts, one event per step, and a
 * graceful stop. Nothing a client or a target does can crash it: failures become events.
 */
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import { defaultTransport, type Transport } from '@vmci/sockets';
import { type Allowlist, loadAllowlist } from './allowlist.js';
import { dial } from './dial.js';
import { type Endpoint, formatEndpoint, parseEndpoint, sameEndpoint } from './endpoint.js';
import { errorCode, errorMessage, invalidArgument } from './errors.js';
import { listenOn, type ProxyListener } from './listener.js';
import type { ProxyEvent } from './log.js';
import { type Relay, relay, resetOrDestroy, whenClosed } from './relay.js';
import { parseSourceFilter } from './source-filter.js';

/**
 * Connections open at once before new ones are refused, unless told otherwise. Each relayed
 * connection holds two descriptors (client and target): 500 keeps the proxy under the usual
 * soft limit of 1024 open files (`ulimit -n`; systemd's default too) with room for the listener,
 * stdio and Node's own, so the limit refuses cleanly before accept fails with EMFILE. Memory is
 * not what limits it: an idle relayed vsock connection costs on the order of 10–20 KB.
 */
export const defaultMaxConnections = 500;
/** How long {@link RunningProxy.close} lets open connections finish before destroying them. */
export const defaultCloseGraceMs = 1000;

/** What {@link startProxy} listens on, where it connects, what it allows, and its limits. */
export interface ProxyOptions {
  /** Where to listen: `vsock:[CID:]PORT`, `tcp:[HOST:]PORT` or `unix:PATH` (port 0: any free). */
  readonly from: string | Endpoint;
  /** Where to connect: `vsock:CID:PORT`, `tcp:HOST:PORT` or `unix:PATH`. */
  readonly to: string | Endpoint;
  /** Allowed targets as rules (`vsock:3:80`, `tcp:*:443`, …). */
  readonly allow?: readonly string[];
  /** A file of allowed targets, one rule per line; read again whenever it changes. */
  readonly allowlistFile?: string;
  /** Clients allowed to connect (`vsock:3`, `vsock:*`, `tcp:10.0.0.0/8`); default: any. */
  readonly allowFrom?: readonly string[];
  /** Refuse clients beyond this many open connections (default 500, see {@link defaultMaxConnections}). */
  readonly maxConnections?: number;
  /** Close a connection after this many ms without a byte either way (default: never). */
  readonly idleTimeoutMs?: number;
  /** Give up connecting to the target after this many ms (vsock default: the kernel's 2 s; TCP and Unix: 10 s). */
  readonly connectTimeoutMs?: number;
  /**
   * The vsock buffer (`SO_VM_SOCKETS_BUFFER_SIZE`, bytes) of the proxy's vsock sockets: each
   * target connection when `to` is vsock, the listener (and so every accepted client) when
   * `from` is vsock. Bytes in flight are capped by the smaller of both ends'. Default: the
   * kernel's (256 KiB).
   */
  readonly bufferSize?: number;
  /** The vsock transport (default: the kernel's; tests pass a testkit endpoint's). */
  readonly transport?: Transport;
  /** Receives every event; `createProxyLog` turns them into log lines. Exceptions are ignored. */
  readonly onEvent?: (event: ProxyEvent) => void;
  /** How long `close()` lets open connections finish (default 1000 ms). */
  readonly closeGraceMs?: number;
  /**
   * How error and event messages name the options (default: the option names, e.g.
   * `maxConnections`). A command line passes its flags: `{ maxConnections: '--max-connections' }`.
   */
  readonly optionLabels?: ProxyOptionLabels;
}

/** The options that messages name, each with how to name it (see {@link ProxyOptions.optionLabels}). */
export type ProxyOptionLabels = {
  readonly [K in
    | 'from'
    | 'to'
    | 'allow'
    | 'allowlistFile'
    | 'allowFrom'
    | 'maxConnections'
    | 'bufferSize'
    | 'idleTimeoutMs'
    | 'connectTimeoutMs']?: string;
};

/** Counts over a proxy's life. */
export interface ProxyTotals {
  /** Clients accepted (refused ones not included). */
  readonly connections: number;
  /** Clients turned away: not allowed by `allowFrom`, too many open connections, or stopping. */
  readonly refused: number;
  /** Connections the allowlist did not allow. */
  readonly denied: number;
  /** Connections that ended with an error (the target did not answer, a reset, …). */
  readonly failed: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
}

/** A started proxy: its bound endpoints, its totals, and `close()`. */
export interface RunningProxy {
  /** Where it listens, with the port picked for port 0. */
  readonly from: Endpoint;
  readonly to: Endpoint;
  /** Connections open now. */
  readonly openConnections: number;
  readonly totals: ProxyTotals;
  /**
   * Stops listening, lets open connections finish for the grace period, destroys the rest, then
   * emits `stopped` and resolves with the totals. Calling it again returns the same promise.
   */
  close(): Promise<ProxyTotals>;
  [Symbol.asyncDispose](): Promise<void>;
}

interface Connection {
  readonly id: number;
  readonly client: Duplex;
  readonly from: string;
  readonly acceptedAt: number;
  /** Cancels the target connect. */
  readonly abort: AbortController;
  relay: Relay | undefined;
  stopRequested: boolean;
  finished: Promise<void>;
}

function positive(name: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || value <= 0)
    throw invalidArgument(`vmci proxy: ${name} must be a positive whole number, got ${value}`);
  return value;
}

/**
 * This machine's CID when the target is vsock (an ioctl, no traffic): a vsock-to-vsock proxy needs
 * it to spot a loop, and asking at start loads the vsock layer (koffi and libc) before the first
 * client instead of in its connect — seconds under emulation (4.4 s measured in a TCG guest).
 */
function vsockLocalCid(to: Endpoint, transport: Transport | undefined) {
  if (to.kind !== 'vsock') return undefined;
  try {
    return (transport ?? defaultTransport()).localCid();
  } catch {
    return undefined; // no vsock here: the proxy's own listen will say so
  }
}

/**
 * Starts a proxy: checks the options (an `ERR_VMCI_INVALID_ARGUMENT` {@link ProxyError} for bad
 * endpoints, no allowlist, or a target the allowlist does not allow), listens, and serves until
 * `close()`.
 *
 * ```ts
 * const proxy = await startProxy({
 *   from: 'tcp:127.0.0.1:0',
 *   to: 'vsock:3:80',
 *   allow: ['vsock:3:80'],
 *   onEvent: createProxyLog({ write: (line) => process.stderr.write(line) }),
 * });
 * console.log(proxy.from); // { kind: 'tcp', host: '127.0.0.1', port: 40123 }
 * await proxy.close();
 * ```
 */
export async function startProxy(options: ProxyOptions): Promise<RunningProxy> {
  const label = (name: keyof ProxyOptionLabels) => options.optionLabels?.[name] ?? name;
  const from =
    typeof options.from === 'string'
      ? parseEndpoint(options.from, 'listen', `vmci proxy: ${label('from')}`)
      : options.from;
  const to =
    typeof options.to === 'string'
      ? parseEndpoint(options.to, 'connect', `vmci proxy: ${label('to')}`)
      : options.to;
  const target = formatEndpoint(to);
  if (sameEndpoint(from, to, vsockLocalCid(to, options.transport)))
    throw invalidArgument(
      `vmci proxy: ${label('from')} and ${label('to')} are both ${target}: it would connect to itself`,
    );
  const maxConnections = positive(label('maxConnections'), options.maxConnections);
  const idleTimeoutMs = positive(label('idleTimeoutMs'), options.idleTimeoutMs);
  const connectTimeoutMs = positive(label('connectTimeoutMs'), options.connectTimeoutMs);
  const bufferSize = positive(label('bufferSize'), options.bufferSize);
  const closeGraceMs = options.closeGraceMs ?? defaultCloseGraceMs;
  const sources = parseSourceFilter(options.allowFrom ?? [], from, label('allowFrom'));

  if ((options.allow ?? []).length === 0 && options.allowlistFile === undefined)
    throw invalidArgument(
      `vmci proxy: outbound targets are denied by default; allow this one with ${label('allow')} ${target}, or list allowed targets in a file (one per line) and pass ${label('allowlistFile')} FILE`,
    );
  const allowlist: Allowlist = await loadAllowlist({
    rules: options.allow ?? [],
    rulesLabel: label('allow'),
    ...(options.allowlistFile !== undefined ? { file: options.allowlistFile } : {}),
  });
  const decision = await allowlist.check(to);
  if (!decision.allowed) {
    const fix =
      options.allowlistFile !== undefined
        ? `add the line ${target} to ${options.allowlistFile}`
        : `pass ${label('allow')} ${target}`;
    throw invalidArgument(
      `vmci proxy: the target ${target} is not allowed: ${decision.reason}; to allow it, ${fix}`,
    );
  }

  const emit = (event: ProxyEvent) => {
    try {
      options.onEvent?.(event);
    } catch {
      // A failing log sink must not take the connections down with it.
    }
  };
  const totals = { connections: 0, refused: 0, denied: 0, failed: 0, bytesIn: 0, bytesOut: 0 };
  const open = new Set<Connection>();
  const startedAt = performance.now();
  let lastId = 0;
  let closing: Promise<ProxyTotals> | undefined;

  const since = (start: number) => Math.round(performance.now() - start);
  /** An `error` event about one connection; the proxy carries on. */
  const connectionError = (id: number, peer: string, code: string, message: string) =>
    emit({ event: 'error', id, from: peer, to: target, code, message });

  async function serve(connection: Connection): Promise<void> {
    const { id, client, from: peer } = connection;
    const closed = (fields: Partial<ProxyEvent>) =>
      emit({
        event: 'closed',
        id,
        from: peer,
        to: target,
        bytesIn: 0,
        bytesOut: 0,
        durationMs: since(connection.acceptedAt),
        ...fields,
      });
    // Until the relay takes over: an error must not crash us, a vanished client cancels the connect.
    let clientError: Error | undefined;
    const onEarlyError = (error: Error) => {
      clientError ??= error;
    };
    const onEarlyClose = () => connection.abort.abort();
    client.on('error', onEarlyError);
    client.once('close', onEarlyClose);

    const allowed = await allowlist.check(to);
    if (!allowed.allowed) {
      totals.denied++;
      emit({ event: 'denied', id, from: peer, to: target, message: allowed.reason });
      resetOrDestroy(client);
      await whenClosed(client);
      closed({ reason: 'denied' });
      return;
    }

    let socket: Duplex;
    const connectStart = performance.now();
    try {
      if (connection.abort.signal.aborted) throw new Error('aborted before connecting');
      socket = await dial(to, {
        signal: connection.abort.signal,
        ...(options.transport ? { transport: options.transport } : {}),
        ...(connectTimeoutMs !== undefined ? { connectTimeoutMs } : {}),
        ...(bufferSize !== undefined ? { bufferSize } : {}),
      });
    } catch (error) {
      resetOrDestroy(client);
      await whenClosed(client);
      if (connection.stopRequested) {
        closed({ reason: 'stopped' });
        return;
      }
      totals.failed++;
      if (connection.abort.signal.aborted)
        connectionError(
          id,
          peer,
          clientError ? errorCode(clientError) : 'ECONNABORTED',
          'the client went away before the target answered',
        );
      else connectionError(id, peer, errorCode(error), errorMessage(error));
      closed({ reason: 'error' });
      return;
    }
    client.off('error', onEarlyError);
    client.off('close', onEarlyClose);
    emit({ event: 'connected', id, from: peer, to: target, durationMs: since(connectStart) });

    const running = relay(client, socket, idleTimeoutMs ? { idleTimeoutMs } : {});
    connection.relay = running;
    if (connection.stopRequested) running.stop();
    const result = await running.done;
    totals.bytesIn += result.bytesIn;
    totals.bytesOut += result.bytesOut;
    if (result.end === 'error') {
      totals.failed++;
      const side = result.errorSide === 'target' ? 'target' : 'client';
      connectionError(id, peer, errorCode(result.error), `${side}: ${errorMessage(result.error)}`);
    }
    closed({ bytesIn: result.bytesIn, bytesOut: result.bytesOut, reason: result.end });
  }

  function accept(client: Duplex, peer: string) {
    const id = ++lastId;
    // Refused clients are destroyed at once, but an error already on its way must not crash us.
    client.on('error', () => {});
    const refusal = closing
      ? { reason: 'stopping', message: 'the proxy is stopping' }
      : open.size >= (maxConnections ?? defaultMaxConnections)
        ? {
            reason: 'limit',
            message: `${open.size} connections are open, the most allowed (${label('maxConnections')})`,
          }
        : sources && !sources.allows(peer)
          ? {
              reason: 'source',
              message: `${peer} may not use this proxy (not matched by ${label('allowFrom')})`,
            }
          : undefined;
    if (refusal) {
      totals.refused++;
      emit({ event: 'refused', id, from: peer, to: target, ...refusal });
      resetOrDestroy(client);
      return;
    }
    totals.connections++;
    const connection: Connection = {
      id,
      client,
      from: peer,
      acceptedAt: performance.now(),
      abort: new AbortController(),
      relay: undefined,
      stopRequested: false,
      finished: Promise.resolve(),
    };
    open.add(connection);
    emit({ event: 'accepted', id, from: peer, to: target });
    connection.finished = serve(connection)
      .catch((error: unknown) => {
        // A bug of ours, not the peers': report it and keep serving the others.
        connectionError(id, peer, errorCode(error), errorMessage(error));
        connection.relay?.stop();
        resetOrDestroy(client);
      })
      .finally(() => open.delete(connection));
  }

  const listener: ProxyListener = await listenOn(
    from,
    {
      connection: accept,
      error: (error) =>
        emit({ event: 'error', code: errorCode(error), message: errorMessage(error) }),
    },
    {
      ...(options.transport ? { transport: options.transport } : {}),
      ...(bufferSize !== undefined ? { bufferSize } : {}),
    },
  );
  const bound = listener.endpoint;
  emit({
    event: 'listening',
    from: formatEndpoint(bound),
    to: target,
    ...(bound.kind === 'unix' ? {} : { port: bound.port }),
  });

  async function stop(): Promise<ProxyTotals> {
    await listener.close();
    const allFinished = () => Promise.all([...open].map((connection) => connection.finished));
    let graceTimer: NodeJS.Timeout | undefined;
    await Promise.race([
      allFinished(),
      new Promise((resolve) => {
        graceTimer = setTimeout(resolve, closeGraceMs);
      }),
    ]);
    clearTimeout(graceTimer);
    for (const connection of open) {
      connection.stopRequested = true;
      connection.abort.abort();
      if (connection.relay) connection.relay.stop();
    }
    await allFinished();
    const result = { ...totals };
    emit({
      event: 'stopped',
      from: formatEndpoint(bound),
      to: target,
      connections: result.connections,
      bytesIn: result.bytesIn,
      bytesOut: result.bytesOut,
      durationMs: since(startedAt),
    });
    return result;
  }

  const close = () => {
    closing ??= stop();
    return closing;
  };
  return {
    from: bound,
    to,
    get openConnections() {
      return open.size;
    },
    get totals() {
      return { ...totals };
    },
    close,
    async [Symbol.asyncDispose]() {
      await close();
    },
  };
}
