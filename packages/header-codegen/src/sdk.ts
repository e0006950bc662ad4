/**
 * Finds the VMCI Sockets SDK header (`vmci_sockets.h`) where VMware's installers put it.
 *
 * Light on purpose (node: built-ins and the error class only, no ts-morph): `vmci doctor` bundles
 * it.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { type as osType } from 'node:os';
import { join, win32 } from 'node:path';
import { CodegenError } from './errors.js';

/** The SDK header's file name. */
export const sdkHeaderName = 'vmci_sockets.h';

/** The environment variable that names the folder (or the file) of the header to use. */
export const sdkDirEnv = 'VMCI_SDK_DIR';

/** A folder where an installer puts `vmci_sockets.h`. */
export interface SdkInstallLocation {
  /** The operating system the installer runs on. */
  readonly platform: 'linux' | 'win32';
  /** The folder as the installer names it. */
  readonly folder: string;
  /** Which installer puts the header there. */
  readonly installer: string;
}

/** Every place VMware's installers put `vmci_sockets.h`, in search order. ESX/ESXi has none. */
export const sdkInstallLocations: readonly SdkInstallLocation[] = [
  {
    platform: 'linux',
    folder: '/usr/lib/vmware-tools/include/vmci',
    installer: 'VMware Tools, Linux guests',
  },
  {
    platform: 'linux',
    folder: '/usr/lib/vmware/include/vmci',
    installer: 'VMware Workstation / Player, Linux hosts',
  },
  {
    platform: 'win32',
    folder: 'C:\\Program Files\\Common Files\\VMware\\Drivers\\vmci\\sockets\\include',
    installer: 'Windows guests, and hosts of Workstation 8.0 or later',
  },
  {
    platform: 'win32',
    folder: 'C:\\Program Files\\VMware\\VMware Tools\\VSock SDK\\include',
    installer: 'VMware Tools before Workstation 8.0, Windows guests',
  },
  {
    platform: 'win32',
    folder: 'C:\\Program Files\\VMware\\VMware Workstation',
    installer: 'VMware Workstation before 8.0, Windows hosts',
  },
];

/** Where {@link findSdkHeader} looks for VMware's `vmci_sockets.h`: a root prefix and the environment. */
export interface SdkSearchOptions {
  /**
   * A root prefix (a chroot, a mounted disk, a test tree). With it every location of every
   * platform is searched under the prefix: `/usr/lib/…` as `<root>/usr/lib/…`, and
   * `C:\Program Files\…` as `<root>/Program Files/…` (the drive letter dropped, so a mounted
   * Windows system drive is a root). `VMCI_SDK_DIR` is not prefixed.
   */
  readonly root?: string;
  /** The platform whose locations are searched without a root (default: `process.platform`). */
  readonly platform?: NodeJS.Platform;
  /** Where `VMCI_SDK_DIR` is read (default: `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The kernel name, as `uname -s` prints it (default: `os.type()`); `VMkernel` is ESX/ESXi. */
  readonly osType?: string;
}

/** One folder the search looked in. */
export interface SdkSearchedPlace {
  /** The folder as searched on this machine (under the root prefix, if any). */
  readonly path: string;
  /** Which installer puts the header there, or `VMCI_SDK_DIR`. */
  readonly installer: string;
}

/** What the search found, and where it looked. */
export interface SdkSearchResult {
  /** The header's path, or `undefined` when none was found. */
  readonly header: string | undefined;
  /** The place it was found in. */
  readonly foundIn: SdkSearchedPlace | undefined;
  /** Every place looked in, in order (one place, `VMCI_SDK_DIR`, when that is set). */
  readonly searched: readonly SdkSearchedPlace[];
  /** True on an ESX/ESXi host (`/etc/vmware-release` under the root, or kernel `VMkernel`). */
  readonly esx: boolean;
}

function placesFor(options: SdkSearchOptions): SdkSearchedPlace[] {
  const override = (options.env ?? process.env)[sdkDirEnv];
  if (override) return [{ path: override, installer: sdkDirEnv }];
  const root = options.root;
  if (root === undefined) {
    const platform = options.platform ?? process.platform;
    return sdkInstallLocations
      .filter((location) => location.platform === platform)
      .map((location) => ({ path: location.folder, installer: location.installer }));
  }
  return sdkInstallLocations.map((location) => ({
    path:
      location.platform === 'win32'
        ? join(root, ...location.folder.split('\\').slice(1))
        : join(root, location.folder),
    installer: location.installer,
  }));
}

function headerIn(path: string, platform: NodeJS.Platform): string | undefined {
  // VMCI_SDK_DIR may name the header itself.
  if (path.endsWith('.h')) return isFile(path) ? path : undefined;
  const candidate =
    platform === 'win32' ? win32.join(path, sdkHeaderName) : join(path, sdkHeaderName);
  return isFile(candidate) ? candidate : undefined;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Looks for `vmci_sockets.h` in every install location; never throws. */
export function searchSdk(options: SdkSearchOptions = {}): SdkSearchResult {
  const platform = options.root === undefined ? (options.platform ?? process.platform) : 'linux';
  const searched = placesFor(options);
  const esx =
    existsSync(join(options.root ?? '/', 'etc', 'vmware-release')) ||
    (options.root === undefined && (options.osType ?? osType()) === 'VMkernel');
  for (const place of searched) {
    const header = headerIn(place.path, platform);
    if (header) return { header, foundIn: place, searched, esx };
  }
  return { header: undefined, foundIn: undefined, searched, esx };
}

/** The message for a search that found nothing: where it looked, and what to do. */
export function sdkNotFoundMessage(result: SdkSearchResult, platform = process.platform): string {
  const looked =
    result.searched.length === 0
      ? `VMware's installers put no ${sdkHeaderName} at a known place on ${platform}`
      : `looked in:\n${result.searched.map((p) => `  ${p.path}  (${p.installer})`).join('\n')}`;
  const overridden = result.searched.some((p) => p.installer === sdkDirEnv);
  const head = result.esx
    ? `this is an ESX/ESXi host: the VMCI Sockets SDK is not installed on ESX/ESXi; copy ${sdkHeaderName} from a guest's VMware Tools or a Workstation install and pass its path`
    : overridden
      ? `no ${sdkHeaderName} in ${sdkDirEnv}; set it to the folder that holds ${sdkHeaderName} (or to the file), or unset it to search the install locations`
      : `no ${sdkHeaderName} found; install VMware Tools (guests) or Workstation (hosts), set ${sdkDirEnv} to the folder that holds it, or pass the header's path`;
  return `${head}; ${looked}`;
}

/**
 * The path of the installed `vmci_sockets.h`; throws `ERR_CODEGEN_SDK_NOT_FOUND` with every place
 * it looked in when there is none.
 */
export function findSdkHeader(options: SdkSearchOptions = {}): string {
  const result = searchSdk(options);
  if (result.header) return result.header;
  throw new CodegenError(
    'ERR_CODEGEN_SDK_NOT_FOUND',
    sdkNotFoundMessage(result, options.platform ?? process.platform),
  );
}

/** What can be told cheaply about an SDK header: its hash and its copyright's last year. */
export interface SdkHeaderInfo {
  readonly path: string;
  /** Hex SHA-256 of its text, the value generated modules record in `source.sha256`. */
  readonly sha256: string;
  /** The last year of its `Copyright` line (VMware bumps it with each revision), if it has one. */
  readonly revision: string | undefined;
}

/** Hashes the header and reads its revision year; `undefined` when it cannot be read. */
export function sdkHeaderInfo(path: string): SdkHeaderInfo | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  const copyright = /copyright[^\n]*/i.exec(text)?.[0];
  const years = copyright?.match(/\b(19|20)\d\d\b/g);
  return {
    path,
    sha256: createHash('sha256').update(text).digest('hex'),
    revision: years ? years[years.length - 1] : undefined,
  };
}
