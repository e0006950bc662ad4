/**
 * `VMCI_TRANSPORT`: which transport a process uses when calls name none, chosen by configuration
 * alone (an environment variable, or the CLI's `--transport`):
 *
 * - `kernel` (or unset/empty): AF_VSOCK through the kernel.
 * - `testkit:<path>[?cid=<cid>]`: join the testkit hypervisor another process serves on the Unix
 *   socket `<path>` (`hypervisor.serve(path)` / `vmci-testkit serve <path>`), as the host (`cid=2`,
 *   the default) or as the VM with that CID. Needs `@vmci/testkit` installed; it is loaded lazily,
 *   so `@vmci/sockets` does not depend on it.
 *
 * A malformed or unreachable setting throws (ERR_VMCI_INVALID_TRANSPORT /
 * ERR_VMCI_TRANSPORT_UNREACHABLE / ERR_VMCI_TRANSPORT_UNAVAILABLE): never a fallback to the kernel.
 */
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isGuestCid, VMADDR_CID_HOST, VmciError } from '@vmci/ffi';
import type { Transport } from './transport.js';

/**
 * A parsed transport setting (`VMCI_TRANSPORT` / `--transport`): the kernel, or a served testkit
 * hypervisor joined as the host or a VM.
 */
export type TransportSetting =
  | { readonly kind: 'kernel' }
  | { readonly kind: 'testkit'; readonly path: string; readonly cid: number };

const forms =
  'use `kernel` or `testkit:<absolute path of the served hypervisor socket>[?cid=<2 for the host, or a VM CID from 3>]`';

function invalid(value: string, why: string): VmciError {
  return new VmciError(
    'ERR_VMCI_INVALID_TRANSPORT',
    `bad transport setting '${value}': ${why}; ${forms}`,
  );
}

/** Parses a transport setting (the value of `VMCI_TRANSPORT` or `--transport`). */
export function parseTransportSetting(value: string): TransportSetting {
  const text = value.trim();
  if (text === '' || text === 'kernel') return { kind: 'kernel' };
  const match = /^testkit:([^?]*)(?:\?(.*))?$/.exec(text);
  if (!match) throw invalid(value, 'unknown transport');
  const path = match[1] ?? '';
  if (!isAbsolute(path)) throw invalid(value, 'the socket path must be absolute');
  let cid: number = VMADDR_CID_HOST;
  for (const pair of (match[2] ?? '').split('&').filter(Boolean)) {
    const [key, raw] = pair.split('=');
    if (key !== 'cid') throw invalid(value, `unknown parameter '${key}'`);
    cid = /^\d+$/.test(raw ?? '') ? Number(raw) : Number.NaN;
    if (!(cid === VMADDR_CID_HOST || isGuestCid(cid)))
      throw invalid(value, `cid must be 2 (the host) or a VM's CID from 3, got '${raw}'`);
  }
  return { kind: 'testkit', path, cid };
}

type RemoteModule = {
  RemoteTransport: new (options: { path: string; cid: number }) => Required<Transport>;
};

/** `@vmci/testkit/remote`, from this package's view or else the application's (cwd). */
async function loadRemote(): Promise<RemoteModule> {
  const specifier = '@vmci/testkit/remote';
  try {
    return (await import(specifier)) as RemoteModule;
  } catch {}
  try {
    const require = createRequire(join(process.cwd(), 'noop.js'));
    const manifest = require.resolve('@vmci/testkit/package.json');
    const exports = JSON.parse(readFileSync(manifest, 'utf8')).exports?.['./remote'];
    const target = typeof exports === 'string' ? exports : exports?.import;
    if (typeof target === 'string')
      return (await import(pathToFileURL(join(dirname(manifest), target)).href)) as RemoteModule;
  } catch {}
  throw new VmciError(
    'ERR_VMCI_TRANSPORT_UNAVAILABLE',
    'VMCI_TRANSPORT=testkit:… needs @vmci/testkit: install it (npm i -D @vmci/testkit) next to @vmci/sockets',
  );
}

/** The testkit's remote transport, loaded on first use; `localCid()` is known at once. */
class LazyRemoteTransport implements Transport {
  readonly name: string;
  private loaded: Promise<Required<Transport>> | undefined;

  constructor(private readonly setting: { path: string; cid: number }) {
    this.name = `testkit-remote/${setting.cid}`;
  }

  private transport(): Promise<Required<Transport>> {
    this.loaded ??= loadRemote().then((m) => new m.RemoteTransport(this.setting));
    return this.loaded;
  }

  localCid(): number {
    return this.setting.cid;
  }
  connect: Transport['connect'] = async (r) => (await this.transport()).connect(r);
  listen: Transport['listen'] = async (r, h) => (await this.transport()).listen(r, h);
  connectSeqpacket: Required<Transport>['connectSeqpacket'] = async (r) =>
    (await this.transport()).connectSeqpacket(r);
  listenSeqpacket: Required<Transport>['listenSeqpacket'] = async (r, h) =>
    (await this.transport()).listenSeqpacket(r, h);
  bindDatagram: Required<Transport>['bindDatagram'] = async (r) =>
    (await this.transport()).bindDatagram(r);
}

/**
 * The transport a setting names, or `undefined` for the kernel. Throws when the setting is
 * malformed or names a hypervisor socket that does not exist.
 */
export function transportFromSetting(value: string): Transport | undefined {
  const setting = parseTransportSetting(value);
  if (setting.kind === 'kernel') return undefined;
  let isSocket = false;
  try {
    isSocket = statSync(setting.path).isSocket();
  } catch {}
  if (!isSocket)
    throw new VmciError(
      'ERR_VMCI_TRANSPORT_UNREACHABLE',
      `no testkit hypervisor is served at ${setting.path} (from the transport setting '${value}'): start it first (hypervisor.serve(path) or \`vmci-testkit serve ${setting.path}\`), or fix the path`,
    );
  return new LazyRemoteTransport(setting);
}
