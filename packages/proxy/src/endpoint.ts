/**
 * Proxy endpoints: `vsock:[CID:]PORT`, `tcp:[HOST:]PORT` and `unix:PATH`, parsed into typed
 * values and formatted back the same way (logs and error messages use {@link formatEndpoint}).
 *
 * Where to listen may leave out the vsock CID (any) or the TCP host (127.0.0.1: a proxy into VMs
 * should not face the network unless asked to). Where to connect must name both.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { resolve as resolvePath } from 'node:path';
import { CID_ANY, parseVsockAddress, resolveCid, resolvePort, wellKnownCids } from '@vmci/sockets';
import { invalidArgument } from './errors.js';

/** `vsock:CID:PORT` (`vsock:PORT` where to listen: any CID). */
export interface VsockEndpoint {
  readonly kind: 'vsock';
  /** A context id; {@link CID_ANY} only where to listen. */
  readonly cid: number;
  /** 0 where to listen picks a free port. */
  readonly port: number;
}

/** `tcp:HOST:PORT` (`tcp:PORT` where to listen: 127.0.0.1). */
export interface TcpEndpoint {
  readonly kind: 'tcp';
  /** An IPv4 or IPv6 address (without brackets) or a host name, lower case. */
  readonly host: string;
  /** 0 where to listen picks a free port. */
  readonly port: number;
}

/** `unix:PATH`. */
export interface UnixEndpoint {
  readonly kind: 'unix';
  /** Absolute path of the socket file. */
  readonly path: string;
}

/** Where a proxy listens or connects: vsock, TCP or a Unix socket. */
export type Endpoint = VsockEndpoint | TcpEndpoint | UnixEndpoint;

/** Whether the endpoint is where to listen (`--from`) or where to connect (`--to`). */
export type EndpointRole = 'listen' | 'connect';

/** The host `tcp:PORT` listens on. */
export const defaultTcpListenHost = '127.0.0.1';

const maxTcpPort = 65535;
/** sun_path holds 108 bytes on Linux, including the terminating NUL. */
const maxUnixPathBytes = 107;

/** The pieces of `scheme:…` before their values are checked (shared with allowlist rules). */
export type EndpointParts =
  | {
      readonly kind: 'vsock';
      /** The whole endpoint, for the sockets package's address grammar. */
      readonly text: string;
      /** `*` in an allowlist rule; a vsock address reads it with {@link parseVsockAddress}. */
      readonly cid: string | undefined;
      readonly port: string;
    }
  | { readonly kind: 'tcp'; readonly host: string | undefined; readonly port: string }
  | { readonly kind: 'unix'; readonly path: string };

/**
 * Splits an endpoint into its pieces; returns a sentence saying what is wrong instead when the
 * shape is off.
 */
export function splitEndpoint(text: string): EndpointParts | string {
  const colon = text.indexOf(':');
  const scheme = colon < 0 ? '' : text.slice(0, colon).toLowerCase();
  const rest = colon < 0 ? '' : text.slice(colon + 1);
  if (scheme === 'unix') {
    if (rest === '') return 'expected unix:PATH, e.g. unix:/run/agent.sock';
    return { kind: 'unix', path: rest };
  }
  if (scheme === 'vsock') {
    const pieces = rest.split(':');
    if (pieces.length === 1)
      return { kind: 'vsock', text, cid: undefined, port: pieces[0] as string };
    if (pieces.length === 2)
      return { kind: 'vsock', text, cid: pieces[0] as string, port: pieces[1] as string };
    return 'expected vsock:[CID:]PORT, e.g. vsock:3:5000 or vsock:host:1024';
  }
  if (scheme === 'tcp') {
    if (rest.startsWith('[')) {
      const close = rest.indexOf(']');
      if (close < 0 || rest[close + 1] !== ':')
        return 'expected tcp:[IPV6]:PORT with the address in brackets, e.g. tcp:[::1]:8080';
      return { kind: 'tcp', host: rest.slice(1, close), port: rest.slice(close + 2) };
    }
    const pieces = rest.split(':');
    if (pieces.length === 1) return { kind: 'tcp', host: undefined, port: pieces[0] as string };
    if (pieces.length === 2)
      return { kind: 'tcp', host: pieces[0] as string, port: pieces[1] as string };
    return 'IPv6 addresses go in brackets, e.g. tcp:[::1]:8080';
  }
  return 'expected vsock:[CID:]PORT, tcp:[HOST:]PORT or unix:PATH';
}

/** A port number from decimal text, or undefined when it is not one in range. */
export function parsePortNumber(text: string, max: number): number | undefined {
  if (!/^(0|[1-9]\d*)$/.test(text)) return undefined;
  const port = Number(text);
  return port <= max ? port : undefined;
}

/** A vsock CID from a number or a name (host, local, hypervisor, any), or undefined. */
export function parseCid(text: string): number | undefined {
  try {
    return resolveCid(text);
  } catch {
    return undefined;
  }
}

/** A vsock port from decimal text (0 to PORT_ANY), or undefined. */
export function parseVsockPort(text: string): number | undefined {
  try {
    return resolvePort(text);
  } catch {
    return undefined;
  }
}

const hostNamePattern =
  /^(?=.{1,253}\.?$)[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/i;

/**
 * A TCP host in the form rules compare: IPv6 compressed and lower case, names lower case without
 * the trailing dot. Undefined when it is neither an address nor a valid host name.
 */
export function normalizeTcpHost(host: string): string | undefined {
  if (isIPv6(host)) {
    // A zone (fe80::1%eth0) is kept as written; URL does not accept one.
    const [address = '', zone] = host.split('%', 2);
    let normalized: string;
    try {
      normalized = new URL(`http://[${address}]/`).hostname.slice(1, -1);
    } catch {
      normalized = address.toLowerCase();
    }
    return zone === undefined ? normalized : `${normalized}%${zone}`;
  }
  if (isIPv4(host)) return host;
  // Dotted digits that are not an IPv4 address (999.1.1.1, 10.1) would be guessed at by the
  // resolver; refuse them rather than connect somewhere a rule did not say.
  if (/^[\d.]+$/.test(host)) return undefined;
  if (!hostNamePattern.test(host)) return undefined;
  return host.toLowerCase().replace(/\.$/, '');
}

function checkUnixPath(path: string): string | UnixEndpoint {
  if (path.includes('\0')) return 'a Unix socket path cannot contain NUL bytes';
  const absolute = resolvePath(path);
  if (Buffer.byteLength(absolute) > maxUnixPathBytes)
    return `the Unix socket path is ${Buffer.byteLength(absolute)} bytes; at most ${maxUnixPathBytes} fit, use a shorter one`;
  return { kind: 'unix', path: absolute };
}

/**
 * A vsock endpoint: `vsock:CID:PORT` in the sockets package's address grammar (the one every
 * package reads), or `vsock:PORT` where to listen (any CID).
 */
function checkVsock(text: string, role: EndpointRole): VsockEndpoint | string {
  const portOnly = /^vsock:([^:]*)$/i.exec(text)?.[1];
  let address: { cid: number; port: number };
  try {
    address =
      portOnly === undefined
        ? parseVsockAddress(text)
        : { cid: CID_ANY, port: resolvePort(portOnly, 'the vsock port') };
  } catch (error) {
    return (error as Error).message;
  }
  if (role === 'connect') {
    if (portOnly !== undefined)
      return 'where to connect needs a CID: vsock:CID:PORT, e.g. vsock:3:80';
    if (address.cid === CID_ANY) return 'cannot connect to CID any; name the CID, e.g. vsock:3:80';
    if (address.port === 0) return 'cannot connect to port 0';
  }
  return { kind: 'vsock', ...address };
}

/** Checks the pieces for one role; returns the endpoint or a sentence saying what is wrong. */
function checkEndpoint(parts: EndpointParts, role: EndpointRole): Endpoint | string {
  if (parts.kind === 'unix') return checkUnixPath(parts.path);
  if (parts.kind === 'vsock') return checkVsock(parts.text, role);
  const port = parsePortNumber(parts.port, maxTcpPort);
  if (port === undefined)
    return `the TCP port must be a whole number from 0 to ${maxTcpPort}, got '${parts.port}'`;
  if (parts.host === undefined) {
    if (role === 'connect')
      return 'where to connect needs a host: tcp:HOST:PORT, e.g. tcp:10.0.0.5:443';
    return { kind: 'tcp', host: defaultTcpListenHost, port };
  }
  const host = normalizeTcpHost(parts.host);
  if (host === undefined)
    return `'${parts.host}' is not an IP address or a host name (IPv6 goes in brackets: tcp:[::1]:443)`;
  if (role === 'connect' && port === 0) return 'cannot connect to port 0';
  return { kind: 'tcp', host, port };
}

/**
 * Parses an endpoint for a role; throws a `ERR_VMCI_INVALID_ARGUMENT` {@link ProxyError} that starts with `context` (e.g.
 * `vmci proxy: --to`) and quotes the text.
 *
 * ```ts
 * parseEndpoint('tcp:8080', 'listen');          // { kind: 'tcp', host: '127.0.0.1', port: 8080 }
 * parseEndpoint('vsock:host:1024', 'connect');  // { kind: 'vsock', cid: 2, port: 1024 }
 * ```
 */
export function parseEndpoint(text: string, role: EndpointRole, context = 'endpoint'): Endpoint {
  const parts = splitEndpoint(text.trim());
  const result = typeof parts === 'string' ? parts : checkEndpoint(parts, role);
  if (typeof result === 'string') throw invalidArgument(`${context} '${text}': ${result}`);
  return result;
}

/** `vsock:3:80`, `vsock:any:80`, `tcp:127.0.0.1:8080`, `tcp:[::1]:443`, `unix:/run/a.sock`. */
export function formatEndpoint(endpoint: Endpoint): string {
  if (endpoint.kind === 'unix') return `unix:${endpoint.path}`;
  if (endpoint.kind === 'vsock')
    return `vsock:${endpoint.cid === CID_ANY ? 'any' : endpoint.cid}:${endpoint.port}`;
  return `tcp:${formatTcpHost(endpoint.host)}:${endpoint.port}`;
}

/** A TCP host as it appears in an endpoint (IPv6 in brackets). */
export function formatTcpHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

const anyHost = new Set(['0.0.0.0', '::', '']);
const loopbackHost = (host: string) =>
  host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);

/**
 * Whether connecting to `to` reaches the listener at `from` (a proxy to itself would loop): the
 * same endpoint, or the same port on a wildcard listener reached through this machine's own
 * address (`vsock:any:P` → `vsock:local:P` or our CID; `tcp:0.0.0.0:P` → `tcp:127.0.0.1:P`).
 */
export function sameEndpoint(from: Endpoint, to: Endpoint, localCid?: number): boolean {
  if (formatEndpoint(from) === formatEndpoint(to)) return true;
  if (from.kind === 'vsock' && to.kind === 'vsock' && from.port === to.port) {
    const ownCid = to.cid === wellKnownCids.local || to.cid === localCid;
    return from.cid === CID_ANY ? ownCid : from.cid === to.cid || (ownCid && from.cid === localCid);
  }
  if (from.kind === 'tcp' && to.kind === 'tcp' && from.port === to.port)
    return anyHost.has(from.host) && (loopbackHost(to.host) || anyHost.has(to.host));
  return false;
}
