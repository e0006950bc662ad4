/**
 * `vmci doctor`: what this machine supports — never connects anywhere, so it is safe on any host.
 */
import { existsSync, readFileSync } from 'node:fs';
import {
  closeSocket,
  createSocket,
  currentTarget,
  getAFValueDetailed,
  getBufferSizes,
  getConnectTimeout,
  getLocalCID,
  type SocketType,
  VmciError,
  version,
  vsockDevicePaths,
} from '@vmci/ffi';
import { type SdkSearchOptions, sdkHeaderInfo, searchSdk } from '@vmci/header-codegen/cli';
import { CID_ANY, detectBackend, kernelUsesVmci, wellKnownCids } from '@vmci/sockets';
import type { CommandContext, ParsedCommand } from '../command.js';
import type { CliIo } from '../io.js';

export interface DoctorReport {
  platform: string;
  node: string;
  target: string | null;
  backend: { name: string; reason: string } | null;
  addressFamily: { value: number; foundBy: string | null } | null;
  localCid: { value: number; meaning: string } | { error: string } | null;
  vmwareVersion: string | null;
  devices: Record<string, boolean>;
  socketTypes: Record<string, string>;
  defaults: {
    bufferSize: number;
    bufferMin: number;
    bufferMax: number;
    connectTimeoutMs: number;
  } | null;
  privilegedPorts: boolean;
  /** The installed VMCI Sockets SDK header (`vmci_sockets.h`), for `vmci codegen --sdk`. */
  sdk: {
    /** Its path, or null when none is installed. */
    header: string | null;
    /** Whose install location it was found in (or `VMCI_SDK_DIR`). */
    installer: string | null;
    /** The last year of its copyright line, when it has one. */
    revision: string | null;
    /** SHA-256 of its text: generated bindings record the same value in `source.sha256`. */
    sha256: string | null;
    /** Every folder looked in. */
    searched: string[];
    /** An ESX/ESXi host, where no SDK is ever installed. */
    esx: boolean;
  };
  /** VMware deprecated guest↔guest vsock traffic; whether this machine's transport is VMCI. */
  guestToGuest: { deprecated: true; vmci: boolean; note: string };
}

/** Options of `doctorReport()`: where to look for the SDK header (tests pass a fake tree). */
export interface DoctorOptions {
  readonly sdk?: SdkSearchOptions;
}

function sdkReport(options: SdkSearchOptions): DoctorReport['sdk'] {
  const result = searchSdk(options);
  const info = result.header ? sdkHeaderInfo(result.header) : undefined;
  return {
    header: result.header ?? null,
    installer: result.foundIn?.installer ?? null,
    revision: info?.revision ?? null,
    sha256: info?.sha256 ?? null,
    searched: result.searched.map((place) => place.path),
    esx: result.esx,
  };
}

function sdkLine(sdk: DoctorReport['sdk']): string {
  if (sdk.header) {
    const revision = sdk.revision ? `, revision ${sdk.revision}` : '';
    return `${sdk.header} (${sdk.installer}${revision})`;
  }
  const looked =
    sdk.searched.length > 0
      ? `looked in ${sdk.searched.join(', ')}`
      : `no known install location on ${process.platform}`;
  return `not installed${sdk.esx ? ' (ESX/ESXi hosts have none)' : ''} — ${looked}`;
}

/** What doctor says about guest↔guest traffic (VMware deprecated it). */
export function guestToGuestNote(vmci: boolean): string {
  return (
    'deprecated by VMware: guest-to-guest vsock stops working in its next major release ' +
    `(apps get DeprecationWarning VMCI_DEP_GUEST_TO_GUEST); ${
      vmci
        ? 'this machine uses VMCI, so it applies here: route guest traffic through the host'
        : 'this machine does not use VMCI (no /dev/vmci), so it does not apply here'
    }`
  );
}

function meaningOf(cid: number): string {
  const host = wellKnownCids.host;
  // The local-CID ioctl answers VMADDR_CID_ANY when no transport is loaded.
  if (cid === CID_ANY) return 'no vsock transport is loaded';
  if (cid === wellKnownCids.local)
    return 'loopback only (vsock_loopback): this machine talks to itself';
  if (cid === host) return `this is the host: guests reach it at CID ${host}`;
  return `this is a guest: the host is CID ${host}, and the host reaches this VM at this CID`;
}

/** CAP_NET_BIND_SERVICE (bit 10) in the effective set, or root. */
function canBindPrivilegedPorts(): boolean {
  if (process.getuid?.() === 0) return true;
  try {
    const line = readFileSync('/proc/self/status', 'utf8').match(/^CapEff:\s*([0-9a-f]+)/m);
    return line ? (BigInt(`0x${line[1]}`) & (1n << 10n)) !== 0n : false;
  } catch {
    return false;
  }
}

const describe = (error: unknown) =>
  VmciError.isInstance(error) ? `${error.code}: ${error.message}` : String(error);

export function doctorReport(options: DoctorOptions = {}): DoctorReport {
  const target = currentTarget() ?? null;
  const report: DoctorReport = {
    platform: `${process.platform}-${process.arch}`,
    node: process.version,
    target,
    backend: null,
    addressFamily: null,
    localCid: null,
    vmwareVersion: null,
    devices: Object.fromEntries(vsockDevicePaths.map((path) => [path, existsSync(path)])),
    socketTypes: {},
    defaults: null,
    privilegedPorts: canBindPrivilegedPorts(),
    sdk: sdkReport(options.sdk ?? {}),
    guestToGuest: { deprecated: true, vmci: kernelUsesVmci(), note: '' },
  };
  report.guestToGuest.note = guestToGuestNote(report.guestToGuest.vmci);
  if (!target) return report;
  const backend = detectBackend();
  report.backend = { name: backend.backend, reason: backend.reason };
  const af = getAFValueDetailed();
  report.addressFamily = af.family < 0 ? null : { value: af.family, foundBy: af.source ?? null };
  try {
    const cid = getLocalCID();
    report.localCid = { value: cid, meaning: meaningOf(cid) };
  } catch (error) {
    report.localCid = { error: describe(error) };
  }
  const v = version();
  report.vmwareVersion = v.available
    ? `${v.epoch}.${v.major}.${v.minor}`
    : `not available: ${v.reason}`;
  for (const type of ['stream', 'seqpacket', 'dgram'] as SocketType[]) {
    try {
      const fd = createSocket(type);
      try {
        if (type === 'stream') {
          const sizes = getBufferSizes(fd);
          report.defaults = {
            bufferSize: sizes.size,
            bufferMin: sizes.min,
            bufferMax: sizes.max,
            connectTimeoutMs: getConnectTimeout(fd),
          };
        }
      } finally {
        closeSocket(fd);
      }
      report.socketTypes[type] = 'ok';
    } catch (error) {
      report.socketTypes[type] = describe(error);
    }
  }
  return report;
}

export function runDoctor(io: CliIo, options: { json: boolean } & DoctorOptions): number {
  const report = doctorReport(options);
  if (options.json) {
    io.stdout(`${JSON.stringify(report, null, 2)}\n`);
    return 0;
  }
  const line = (label: string, value: string) => io.stdout(`  ${label.padEnd(22)} ${value}\n`);
  io.stdout('vmci doctor — this machine (create/bind/ioctl probes only; nothing connects)\n');
  line('platform', `${report.platform}, Node ${report.node}`);
  line('SDK header', sdkLine(report.sdk));
  if (!report.target) {
    line(
      'vsock',
      'not supported on this platform (Linux x64/arm64 only); constants and layouts still work',
    );
    return 0;
  }
  line('backend', `${report.backend?.name} — ${report.backend?.reason}`);
  line(
    'address family',
    report.addressFamily
      ? `${report.addressFamily.value} (found by ${report.addressFamily.foundBy})`
      : 'vsock unavailable',
  );
  const cid = report.localCid;
  line(
    'local CID',
    cid && 'value' in cid ? `${cid.value} — ${cid.meaning}` : (cid?.error ?? 'unknown'),
  );
  line('VMware version', report.vmwareVersion ?? 'unknown');
  line(
    'device files',
    Object.entries(report.devices)
      .map(([path, present]) => `${path} ${present ? 'present' : 'absent'}`)
      .join(', '),
  );
  for (const [type, status] of Object.entries(report.socketTypes)) line(`${type} sockets`, status);
  if (report.defaults) {
    line(
      'buffer size',
      `${report.defaults.bufferSize} (min ${report.defaults.bufferMin}, max ${report.defaults.bufferMax})`,
    );
    line('connect timeout', `${report.defaults.connectTimeoutMs} ms`);
  }
  line(
    'ports < 1024',
    report.privilegedPorts
      ? 'allowed (root or CAP_NET_BIND_SERVICE)'
      : 'not allowed (needs CAP_NET_BIND_SERVICE)',
  );
  line('guest ↔ guest', report.guestToGuest.note);
  return 0;
}

/** `vmci doctor [--json]`. */
export async function run(parsed: ParsedCommand, context: CommandContext): Promise<number> {
  return runDoctor(context.io, { json: parsed.values.json === true });
}
