/**
 * vsock addresses: `{ cid, port }`, the well-known CIDs by name, and the one text grammar for an
 * address (`vsock://CID:PORT`, `vsock:CID:PORT`, `CID:PORT`) that every package parses with.
 */
import {
  VMADDR_CID_ANY,
  VMADDR_CID_HOST,
  VMADDR_CID_HYPERVISOR,
  VMADDR_CID_LOCAL,
  VMADDR_PORT_ANY,
  VmciError,
  type VsockAddress,
} from '@vmci/ffi';

export { isGuestCid, type VsockAddress } from '@vmci/ffi';

/** VMADDR_CID_ANY (-1U): "any" CID when binding (from the generated bindings). */
export const CID_ANY = VMADDR_CID_ANY;
/** VMADDR_PORT_ANY (-1U): "any free port" when binding (from the generated bindings). */
export const PORT_ANY = VMADDR_PORT_ANY;

/** Well-known context ids by the names addresses may use (Linux `VMADDR_CID_*`). */
export const wellKnownCids = {
  hypervisor: VMADDR_CID_HYPERVISOR,
  local: VMADDR_CID_LOCAL,
  host: VMADDR_CID_HOST,
  any: VMADDR_CID_ANY,
} as const;
/** A name {@link resolveCid} accepts for a CID: `hypervisor`, `local`, `host` or `any`. */
export type CidName = keyof typeof wellKnownCids;

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
  if (!Number.isInteger(cid) || cid < 0 || cid > CID_ANY) {
    return invalid(`${what} must be an integer from 0 to ${CID_ANY}, got ${String(cid)}`);
  }
  return cid;
}

/** A port from a number or decimal text, checked to be an unsigned 32-bit integer. */
export function resolvePort(port: number | string, what = 'port'): number {
  const value = typeof port === 'string' && /^\d+$/.test(port) ? Number(port) : port;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > PORT_ANY) {
    return invalid(`${what} must be an integer from 0 to ${PORT_ANY}, got ${String(port)}`);
  }
  return value;
}

const addressPattern = /^(?:vsock:(?:\/\/)?)?([^:/\s]+):(\d+)\/?$/i;

/**
 * Parses a vsock address — the only grammar for one, used by the CLI and the testkit too:
 * `vsock://CID:PORT` (a trailing `/` allowed), `vsock:CID:PORT` or `CID:PORT`, where CID is a
 * number (decimal or `0x` hex) or a name from {@link wellKnownCids} (`host:1234`). Anything else
 * throws `ERR_VMCI_INVALID_ADDRESS`.
 */
export function parseVsockAddress(text: string): VsockAddress {
  const match = addressPattern.exec(text.trim());
  if (!match)
    return invalid(
      `expected vsock://CID:PORT, vsock:CID:PORT or CID:PORT (e.g. vsock://2:1234, host:1234), got '${text}'`,
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

/** `vsock://CID:PORT`, which {@link parseVsockAddress} reads back. */
export function formatVsockAddress(address: VsockAddress): string {
  return `vsock://${address.cid}:${address.port}`;
}
