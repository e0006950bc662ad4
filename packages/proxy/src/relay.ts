/**
 * Relays bytes between two connected sockets, both ways, until both directions have ended.
 *
 * - Half-close: when one side ends its output, the other side's output is ended after the bytes
 *   in flight, and the reverse direction keeps flowing (both sockets must be `allowHalfOpen`).
 * - Backpressure: a slow reader slows the writer on the other side, nothing piles up.
 * - Each chunk is written on as it is read: one `'data'` listener per direction counts it and
 *   writes it (no `pipe()`, whose extra listeners each chunk would pass through as well).
 * - An error or an abrupt close on one side resets the other (RST on TCP when Node can send it).
 * - Idle timeout: no byte in either direction for that long closes both.
 * The returned promise never rejects: it says how the relay ended and how many bytes moved, once
 * both sockets are closed.
 */
import type { Duplex } from 'node:stream';
import { errorCode } from './errors.js';

export interface RelayOptions {
  /** Close both sockets after this many ms without a byte either way (0 or absent: never). */
  readonly idleTimeoutMs?: number;
}

/**
 * How a relay ended: both sides finished (`done`), nothing moved for the idle timeout
 * (`idle-timeout`), a socket failed or closed abruptly (`error`), or {@link Relay.stop} (`stopped`).
 */
export type RelayEnd = 'done' | 'idle-timeout' | 'error' | 'stopped';

export interface RelayResult {
  readonly end: RelayEnd;
  /** Bytes read from the client (and written to the target). */
  readonly bytesIn: number;
  /** Bytes read from the target (and written to the client). */
  readonly bytesOut: number;
  /** With `error`: the first error, and which side it came from. */
  readonly error?: Error;
  readonly errorSide?: 'client' | 'target';
}

export interface Relay {
  /** Resolves once both sockets are closed. */
  readonly done: Promise<RelayResult>;
  /** Bytes so far, client → target. */
  readonly bytesIn: number;
  /** Bytes so far, target → client. */
  readonly bytesOut: number;
  /** Ends the relay now: both sockets are destroyed; `done` reports `stopped`. */
  stop(): void;
}

/** Destroys a socket with a reset where the socket type can send one (TCP), else plainly. */
export function resetOrDestroy(socket: Duplex): void {
  if (socket.destroyed) return;
  const reset = (socket as { resetAndDestroy?: () => unknown }).resetAndDestroy;
  if (typeof reset === 'function') {
    try {
      reset.call(socket);
      return;
    } catch {
      // Unix sockets (and pipe handles) cannot reset: Node throws ERR_INVALID_HANDLE_TYPE.
    }
  }
  socket.destroy();
}

/** Resolves once `socket` has closed (at once if it already has). */
export function whenClosed(socket: Duplex): Promise<void> {
  if (socket.closed) return Promise.resolve();
  return new Promise((resolve) => socket.once('close', () => resolve()));
}

/** One direction: `from`'s output has ended and `to` has flushed its end. */
interface Direction {
  readEnded: boolean;
  writeFinished: boolean;
}

/**
 * Writes every chunk `from` reads to `to` (pausing `from` while `to` is full) and ends `to` once
 * `from` has ended: `pipe()` without its bookkeeping. Returns what stops it.
 */
function forward(from: Duplex, to: Duplex, onChunk: (bytes: number) => void): () => void {
  let waiting = false;
  const onDrain = () => {
    waiting = false;
    from.resume();
  };
  const onData = (chunk: Buffer) => {
    onChunk(chunk.length);
    if (!to.write(chunk) && !waiting) {
      waiting = true;
      from.pause();
      to.once('drain', onDrain);
    }
  };
  const onEnd = () => to.end();
  from.on('data', onData);
  from.once('end', onEnd);
  return () => {
    from.off('data', onData);
    from.off('end', onEnd);
    to.off('drain', onDrain);
  };
}

/** Turns Nagle off on a TCP socket (a relay writes what it has at once); other sockets: nothing. */
function noDelay(socket: Duplex): void {
  const set = (socket as { setNoDelay?: (on: boolean) => unknown }).setNoDelay;
  if (typeof set === 'function') set.call(socket, true);
}

/** Starts relaying between an accepted `client` and the `target` connected for it. */
export function relay(client: Duplex, target: Duplex, options: RelayOptions = {}): Relay {
  let bytesIn = 0;
  let bytesOut = 0;
  let end: RelayEnd | undefined;
  let firstError: { error: Error; side: 'client' | 'target' } | undefined;
  const inbound: Direction = {
    readEnded: client.readableEnded,
    writeFinished: target.writableFinished,
  };
  const outbound: Direction = {
    readEnded: target.readableEnded,
    writeFinished: client.writableFinished,
  };

  let idleTimer: NodeJS.Timeout | undefined;
  const idleTimeoutMs = options.idleTimeoutMs ?? 0;
  if (idleTimeoutMs > 0) idleTimer = setTimeout(() => finish('idle-timeout'), idleTimeoutMs);
  const touch = () => idleTimer?.refresh();

  const complete = () =>
    inbound.readEnded && inbound.writeFinished && outbound.readEnded && outbound.writeFinished;

  function finish(how: RelayEnd) {
    if (end !== undefined) return;
    end = how;
    if (idleTimer) clearTimeout(idleTimer);
    stopInbound();
    stopOutbound();
    if (how === 'error') {
      // Pass an abrupt end on abruptly: the peer of the failed side should not take it for EOF.
      resetOrDestroy(client);
      resetOrDestroy(target);
    } else {
      client.destroy();
      target.destroy();
    }
  }

  function onError(side: 'client' | 'target') {
    return (error: Error) => {
      firstError ??= { error, side };
      finish('error');
    };
  }

  function onClose(socket: Duplex, side: 'client' | 'target') {
    return () => {
      if (end !== undefined) return;
      if (complete()) {
        finish('done');
        return;
      }
      const own = side === 'client' ? [inbound, outbound] : [outbound, inbound];
      const readDone = (own[0] as Direction).readEnded;
      const writeDone = (own[1] as Direction).writeFinished;
      // Closed after both of its own directions ended: the other side is still flushing.
      if (readDone && writeDone) return;
      if (!firstError) {
        const error = new Error(`the ${side} closed the connection before it ended`) as Error & {
          code?: string;
        };
        error.code = socket.errored ? errorCode(socket.errored) : 'ECONNRESET';
        firstError = { error, side };
      }
      finish('error');
    };
  }

  const checkDone = () => {
    if (complete()) finish('done');
  };

  client.once('end', () => {
    inbound.readEnded = true;
    checkDone();
  });
  target.once('end', () => {
    outbound.readEnded = true;
    checkDone();
  });
  target.once('finish', () => {
    inbound.writeFinished = true;
    checkDone();
  });
  client.once('finish', () => {
    outbound.writeFinished = true;
    checkDone();
  });
  client.on('error', onError('client'));
  target.on('error', onError('target'));
  client.once('close', onClose(client, 'client'));
  target.once('close', onClose(target, 'target'));
  noDelay(client);
  noDelay(target);
  // Each direction ends its destination when its source ends: that is the half-close.
  const stopInbound = forward(client, target, (bytes) => {
    bytesIn += bytes;
    touch();
  });
  const stopOutbound = forward(target, client, (bytes) => {
    bytesOut += bytes;
    touch();
  });
  // A side that is already gone (closed while the target was being connected) ends it at once.
  if (client.destroyed) onClose(client, 'client')();
  else if (target.destroyed) onClose(target, 'target')();

  const done = Promise.all([whenClosed(client), whenClosed(target)]).then(
    (): RelayResult => ({
      end: end ?? 'done',
      bytesIn,
      bytesOut,
      ...(firstError ? { error: firstError.error, errorSide: firstError.side } : {}),
    }),
  );
  return {
    done,
    get bytesIn() {
      return bytesIn;
    },
    get bytesOut() {
      return bytesOut;
    },
    stop: () => finish('stopped'),
  };
}
