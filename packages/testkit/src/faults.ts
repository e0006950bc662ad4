/**
 * Faults a test can stage, deterministic under the hypervisor's seed: link latency and bandwidth,
 * refused or timed-out connects, partitions between CIDs, delayed accepts, and resets.
 */
import type { ReceivedMessage } from '@vmci/sockets/transport';

/** Which connections a rule applies to: any, or those touching (or between) given CIDs. */
export interface Scope {
  /** Only connections from this CID. */
  readonly from?: number;
  /** Only connections to this CID. */
  readonly to?: number;
}

/** The shape of a link between endpoints: added latency and a throughput cap. */
export interface LinkShape {
  /** Added one-way delay for every write, in ms. */
  readonly latencyMs?: number;
  /** Throughput cap per direction, bytes per second. */
  readonly bytesPerSecond?: number;
}

interface CountedRule {
  readonly scope: Scope;
  remaining: number;
}

const matches = (scope: Scope, from: number, to: number) =>
  (scope.from === undefined || scope.from === from) && (scope.to === undefined || scope.to === to);

/**
 * Faults a test stages on a hypervisor (`hypervisor.faults`), deterministic under its seed: link
 * latency and bandwidth, refused or timed-out connects, partitions between CIDs, delayed accepts.
 */
export class Faults {
  private readonly refusals: CountedRule[] = [];
  private readonly timeouts: CountedRule[] = [];
  private readonly partitions = new Set<string>();
  private readonly links: { scope: Scope; shape: LinkShape }[] = [];
  private acceptDelay = 0;
  private readonly fullBacklogs = new Set<string>();
  private readonly truncations: (CountedRule & { keep: number })[] = [];

  /** The next `count` connects in scope fail with ECONNRESET. */
  refuseNextConnects(count: number, scope: Scope = {}): void {
    this.refusals.push({ scope, remaining: count });
  }

  /** The next `count` connects in scope hang until the connect timeout (ETIMEDOUT). */
  timeOutNextConnects(count: number, scope: Scope = {}): void {
    this.timeouts.push({ scope, remaining: count });
  }

  /** Cuts `a` and `b` apart: new connects time out; the hypervisor resets open ones. */
  partition(a: number, b: number): void {
    this.partitions.add(key(a, b));
  }

  heal(a: number, b: number): void {
    this.partitions.delete(key(a, b));
  }

  /** Shapes the data path of connections opened from now on. */
  shapeLinks(shape: LinkShape, scope: Scope = {}): void {
    this.links.push({ scope, shape });
  }

  /** Accepted connections reach the server's `'connection'` this much later. */
  delayAccepts(ms: number): void {
    this.acceptDelay = ms;
  }

  /**
   * The listener on `cid:port` has a full accept queue (its server stopped accepting): connects to
   * it are reset (ECONNRESET), as the kernel does, until {@link drainAcceptBacklog}.
   */
  fillAcceptBacklog(cid: number, port: number): void {
    this.fullBacklogs.add(`${cid}:${port}`);
  }

  drainAcceptBacklog(cid: number, port: number): void {
    this.fullBacklogs.delete(`${cid}:${port}`);
  }

  /** @internal */
  backlogFull(cid: number, port: number): boolean {
    return this.fullBacklogs.has(`${cid}:${port}`);
  }

  /**
   * The next `count` SEQPACKET messages in scope arrive truncated to `keepBytes` (the receiver gets
   * MSG_TRUNC; `@vmci/sockets` reports ERR_VMCI_MESSAGE_TRUNCATED): a reader whose buffer was too
   * small for what the peer sent.
   */
  truncateNextMessages(count: number, keepBytes: number, scope: Scope = {}): void {
    this.truncations.push({ scope, remaining: count, keep: keepBytes });
  }

  /** @internal A received SEQPACKET message from → to, with staged faults applied. */
  stageReceive(from: number, to: number, message: ReceivedMessage): ReceivedMessage {
    if (message.length === 0) return message;
    const rule = this.truncations.find((r) => r.remaining > 0 && matches(r.scope, from, to));
    if (!rule || message.length <= rule.keep) return message;
    rule.remaining--;
    return { ...message, data: message.data.subarray(0, rule.keep), truncated: true };
  }

  /** @internal What happens to a connect from → to. */
  decide(from: number, to: number): 'refuse' | 'timeout' | 'pass' {
    if (this.partitioned(from, to)) return 'timeout';
    for (const [list, outcome] of [
      [this.timeouts, 'timeout'],
      [this.refusals, 'refuse'],
    ] as const) {
      const rule = list.find((r) => r.remaining > 0 && matches(r.scope, from, to));
      if (rule) {
        rule.remaining--;
        return outcome;
      }
    }
    return 'pass';
  }

  partitioned(a: number, b: number): boolean {
    return this.partitions.has(key(a, b));
  }

  /** @internal The link shape for a connection from → to (the last matching rule wins). */
  linkFor(from: number, to: number): LinkShape {
    let shape: LinkShape = {};
    for (const rule of this.links)
      if (matches(rule.scope, from, to)) shape = { ...shape, ...rule.shape };
    return shape;
  }

  get acceptDelayMs(): number {
    return this.acceptDelay;
  }
}

const key = (a: number, b: number) => (a < b ? `${a}-${b}` : `${b}-${a}`);
