/**
 * `allowFrom`: which clients may use the proxy. Outbound targets are governed by the
 * allowlist; this governs inbound peers — on a vsock listener by CID (which VM), on a TCP listener
 * by address or subnet. Without rules every client that reaches the listener is served.
 */
import { BlockList, isIP } from 'node:net';
import type { Endpoint } from './endpoint.js';
import { invalidArgument } from './errors.js';

export interface SourceFilter {
  /** Whether the client at `peer` (`vsock:3:1034`, `tcp:10.0.0.7:50514`) may connect. */
  allows(peer: string): boolean;
}

const ruleSyntax = 'vsock:CID, vsock:*, tcp:ADDRESS or tcp:ADDRESS/PREFIX (e.g. tcp:10.0.0.0/8)';

function invalid(label: string, rule: string, why: string): never {
  throw invalidArgument(`vmci proxy: ${label} '${rule}': ${why}; expected ${ruleSyntax}`);
}

/** `::ffff:10.0.0.7` (a dual-stack listener's view of an IPv4 client) → `10.0.0.7`. */
function plainAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? (mapped[1] as string) : address;
}

/**
 * Parses `allowFrom` rules for a listener on `from`; a usage error names a malformed rule or
 * one of the wrong kind (a TCP rule on a vsock listener), and rules on a Unix listener (the
 * socket file's permissions decide who connects there). `label` is how messages name the rules.
 */
export function parseSourceFilter(
  rules: readonly string[],
  from: Endpoint,
  label = 'allowFrom',
): SourceFilter | undefined {
  if (rules.length === 0) return undefined;
  if (from.kind === 'unix')
    throw invalidArgument(
      `vmci proxy: ${label} does not apply to a Unix socket listener: set its permissions (chmod/chown) instead`,
    );
  const cids = new Set<number>();
  let anyCid = false;
  const addresses = new BlockList();
  for (const rule of rules) {
    const [kind, ...restParts] = rule.split(':');
    const rest = restParts.join(':');
    if (kind !== from.kind)
      invalid(
        label,
        rule,
        `the listener is ${from.kind}, so rules must start with '${from.kind}:'`,
      );
    if (kind === 'vsock') {
      if (rest === '*') anyCid = true;
      else if (/^\d+$/.test(rest) && Number(rest) <= 0xffffffff) cids.add(Number(rest));
      else invalid(label, rule, 'not a CID');
      continue;
    }
    const [address, prefix, extra] = rest.replace(/^\[(.*)\]$/, '$1').split('/');
    const family = isIP(address ?? '');
    if (family === 0 || extra !== undefined) invalid(label, rule, 'not an IP address or subnet');
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (prefix === undefined) addresses.addAddress(address as string, type);
    else {
      const bits = Number(prefix);
      if (!/^\d+$/.test(prefix) || bits > (family === 4 ? 32 : 128))
        invalid(label, rule, `/${prefix} is not a prefix length for IPv${family}`);
      addresses.addSubnet(address as string, bits, type);
    }
  }
  return {
    allows(peer) {
      const vsock = /^vsock:(\d+):/.exec(peer);
      if (vsock) return anyCid || cids.has(Number(vsock[1]));
      const tcp = /^tcp:(?:\[(.+)\]|([^:]+)):\d+$/.exec(peer);
      const address = tcp ? plainAddress((tcp[1] ?? tcp[2]) as string) : undefined;
      if (!address) return false;
      const family = isIP(address);
      return family !== 0 && addresses.check(address, family === 4 ? 'ipv4' : 'ipv6');
    },
  };
}
