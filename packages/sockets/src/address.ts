/**
 * vsock addresses: `{ cid, port }`, the well-known CIDs by name, and `vsock://CID:PORT` strings.
 */
import { VmciError } from '@vmci/ffi';

/** VMADDR_CID_ANY / VMADDR_PORT_ANY (-1U): "any" when binding. */
export const CID_ANY = 0xffffffff;
export const PORT_ANY = 0xffffffff;

/** Well-known context ids (Linux `VMADDR_CID_*`). */
export const wellKnownCids = { hypervisor: 0, local: 1, host: 2, any: CID_ANY } as const;
export type CidName = keyof typeof wellKnownCids;

export interface VsockAddress {
  readonly cid: number;
  readonly port: number;
}

function invalid(message: string): never {
  throw new VmciError('ERR_VMCI_INVALID_ADDRESS', message);
}

/** A CID from a number or a name (`host`, `hypervisor`, `local`, `any`). */
export function resolveCid(cid: number | string, what = 'cid'): number {
  if (typeof cid === 'string') {
    const named = wellKnownCids[cid.toLowerCase() as CidName];
    if (named !== undefined) return named;
    if (/^(0|[1-9]\d*|0x[0-9a-f]+)$/i.test(cid)) return resolveCid(Number(cid), what);
    return invalid(
      `${what} must be a number or one of ${Object.keys(wellKnownCids).join(', ')}; got '${cid}'`,
    );
  }
  if (!Number.isInteger(cid) || cid < 0 || cid > 0xffffffff) {
    return invalid(`${what} must be an integer from 0 to 4294967295, got ${String(cid)}`);
  }
  return cid;
}

export function resolvePort(port: number | string, what = 'port'): number {
  const value = typeof port === 'string' && /^\d+$/.test(port) ? Number(port) : port;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    return invalid(`${what} must be an integer from 0 to 4294967295, got ${String(port)}`);
  }
  return value;
}

/**
 * Parses `vsock://CID:PORT`, `CID:PORT` or `host:1234` (names: host, hypervisor, local, any).
 */
export function parseVsockAddress(text: string): VsockAddress {
  const match = /^(?:vsock:\/\/)?([^:/\s]+):(\d+)\/?$/i.exec(text.trim());
  if (!match)
    return invalid(
      `expected vsock://CID:PORT or CID:PORT (e.g. vsock://2:1234, host:1234), got '${text}'`,
    );
  return { cid: resolveCid(match[1] as string), port: resolvePort(match[2] as string) };
}

/**
 * The `remoteAddress` / `localAddress` form of a CID: `vsock:3`. Loggable, and never mistaken for
 * an IP address (a bare `3` would read as 0.0.0.3 to `inet_aton`); the port is in `remotePort`.
 */
export function vsockHost(cid: number): string {
  return `vsock:${cid}`;
}

/** `remoteFamily` / `localFamily` of every vsock socket (net's are `IPv4` / `IPv6`). */
export const VSOCK_FAMILY = 'AF_VSOCK';

export function formatVsockAddress(address: VsockAddress): string {
  return `vsock://${address.cid}:${address.port}`;
}
