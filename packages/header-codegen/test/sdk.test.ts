/**
 * SDK discovery: fake install trees (tmp dirs used as the root prefix) for every place VMware's
 * installers put vmci_sockets.h, the override, ESX, and `vmci-codegen --sdk`.
 */
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildModel } from '../src/model.js';
import {
  findSdkHeader,
  sdkHeaderInfo,
  sdkInstallLocations,
  sdkNotFoundMessage,
  searchSdk,
} from '../src/sdk.js';
import { fixturesDir, packageDir, runCli } from './helpers.js';

const scratch = () => mkdtempSync(join(tmpdir(), 'vmci-sdk-'));

/** Where a location lands under a root: Linux paths as is, Windows without the drive letter. */
const underRoot = (root: string, folder: string) =>
  folder.startsWith('/') ? join(root, folder) : join(root, ...folder.split('\\').slice(1));

function install(root: string, folder: string, text = '#define VMCI_FAKE 1\n'): string {
  const dir = underRoot(root, folder);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'vmci_sockets.h'), text);
  return join(dir, 'vmci_sockets.h');
}

const noEnv = { env: {} };

describe('SDK discovery', () => {
  it.each(sdkInstallLocations.map((l) => [l.installer, l.folder]))(
    'finds the header of %s (%s) in a fake tree',
    (installer, folder) => {
      const root = scratch();
      const header = install(root, folder);
      const result = searchSdk({ root, ...noEnv });
      expect(result.header).toBe(header);
      expect(result.foundIn).toEqual({ path: dirname(header), installer });
      expect(findSdkHeader({ root, ...noEnv })).toBe(header);
    },
  );

  it('maps C:\\Program Files under the root without the drive letter', () => {
    const root = scratch();
    const header = install(root, 'C:\\Program Files\\VMware\\VMware Workstation');
    expect(header).toBe(
      join(root, 'Program Files', 'VMware', 'VMware Workstation', 'vmci_sockets.h'),
    );
    expect(searchSdk({ root, ...noEnv }).header).toBe(header);
  });

  it('prefers the guest tools over the host install, in the documented order', () => {
    const root = scratch();
    install(root, '/usr/lib/vmware/include/vmci');
    const guest = install(root, '/usr/lib/vmware-tools/include/vmci');
    expect(searchSdk({ root, ...noEnv }).header).toBe(guest);
  });

  it('ignores a folder named vmci_sockets.h', () => {
    const root = scratch();
    mkdirSync(join(root, 'usr/lib/vmware-tools/include/vmci/vmci_sockets.h'), { recursive: true });
    expect(searchSdk({ root, ...noEnv }).header).toBeUndefined();
  });

  it('lists every place it looked when nothing is installed', () => {
    const root = scratch();
    let error: unknown;
    try {
      findSdkHeader({ root, ...noEnv });
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ code: 'ERR_CODEGEN_SDK_NOT_FOUND' });
    const message = (error as Error).message;
    expect(message).toMatch(/^no vmci_sockets\.h found; install VMware Tools/);
    for (const location of sdkInstallLocations)
      expect(message).toContain(`  ${underRoot(root, location.folder)}  (${location.installer})`);
  });

  it("searches the running platform's locations without a root", () => {
    const linux = searchSdk({ platform: 'linux', ...noEnv }).searched.map((p) => p.path);
    expect(linux).toEqual(['/usr/lib/vmware-tools/include/vmci', '/usr/lib/vmware/include/vmci']);
    const windows = searchSdk({ platform: 'win32', ...noEnv }).searched.map((p) => p.path);
    expect(windows).toEqual([
      'C:\\Program Files\\Common Files\\VMware\\Drivers\\vmci\\sockets\\include',
      'C:\\Program Files\\VMware\\VMware Tools\\VSock SDK\\include',
      'C:\\Program Files\\VMware\\VMware Workstation',
    ]);
    expect(() => findSdkHeader({ platform: 'darwin', ...noEnv })).toThrow(
      "VMware's installers put no vmci_sockets.h at a known place on darwin",
    );
  });

  it('says on ESX/ESXi (/etc/vmware-release) that the SDK is not installed there', () => {
    const root = scratch();
    mkdirSync(join(root, 'etc'));
    writeFileSync(join(root, 'etc', 'vmware-release'), 'VMware ESXi 8.0.3\n');
    const result = searchSdk({ root, ...noEnv });
    expect(result.esx).toBe(true);
    expect(() => findSdkHeader({ root, ...noEnv })).toThrow(
      /^this is an ESX\/ESXi host: the VMCI Sockets SDK is not installed on ESX\/ESXi; .*looked in:\n/s,
    );
  });

  it('tells ESX by its kernel name VMkernel', () => {
    expect(searchSdk({ platform: 'linux', osType: 'VMkernel', ...noEnv }).esx).toBe(true);
    expect(searchSdk({ platform: 'linux', osType: 'Linux', ...noEnv }).esx).toBe(
      readdirSync('/etc').includes('vmware-release'),
    );
  });

  it('uses VMCI_SDK_DIR alone when it is set: a folder or the file', () => {
    const root = scratch();
    install(root, '/usr/lib/vmware-tools/include/vmci');
    const custom = install(scratch(), '/sdk/include');
    expect(searchSdk({ root, env: { VMCI_SDK_DIR: dirname(custom) } }).header).toBe(custom);
    expect(searchSdk({ root, env: { VMCI_SDK_DIR: custom } }).header).toBe(custom);
    const missing = join(scratch(), 'nothing');
    const result = searchSdk({ root, env: { VMCI_SDK_DIR: missing } });
    expect(result.header).toBeUndefined();
    expect(result.searched).toEqual([{ path: missing, installer: 'VMCI_SDK_DIR' }]);
    expect(() => findSdkHeader({ root, env: { VMCI_SDK_DIR: missing } })).toThrow(
      `no vmci_sockets.h in VMCI_SDK_DIR; set it to the folder that holds vmci_sockets.h (or to the file), or unset it to search the install locations; looked in:\n  ${missing}  (VMCI_SDK_DIR)`,
    );
  });

  it('tells the revision year and the sha256 that generated modules record', () => {
    const root = scratch();
    const text =
      '/*\n * Copyright (C) 2007-2021 VMware, Inc. All rights reserved.\n */\n#define A 1\n';
    const header = install(root, '/usr/lib/vmware/include/vmci', text);
    const model = buildModel({ path: header, text, target: 'linux-x64' });
    expect(sdkHeaderInfo(header)).toEqual({ path: header, sha256: model.sha256, revision: '2021' });
    const plain = install(scratch(), '/x', '#define A 1\n');
    expect(sdkHeaderInfo(plain)?.revision).toBeUndefined();
    expect(sdkHeaderInfo(join(root, 'absent.h'))).toBeUndefined();
  });

  it('is quoted word for word in the README', () => {
    const searched = sdkInstallLocations
      .filter((l) => l.platform === 'linux')
      .map((l) => ({ path: l.folder, installer: l.installer }));
    const message = sdkNotFoundMessage({
      header: undefined,
      foundIn: undefined,
      searched,
      esx: false,
    });
    const readme = readFileSync(join(packageDir, 'README.md'), 'utf8');
    expect(readme).toContain(`vmci-codegen: ERR_CODEGEN_SDK_NOT_FOUND: ${message}\n`);
  });

  it('imports nothing but node built-ins and the error class (vmci doctor bundles it)', () => {
    const imports = (file: string) =>
      [
        ...readFileSync(join(packageDir, 'src', file), 'utf8').matchAll(
          /^import .* from '([^']+)';$/gm,
        ),
      ].map((m) => m[1]);
    expect(imports('sdk.ts').filter((s) => !s?.startsWith('node:'))).toEqual(['./errors.js']);
    expect(imports('errors.ts')).toEqual([]);
  });
});

describe('vmci-codegen --sdk', () => {
  it('prints the header it found', async () => {
    const root = scratch();
    const header = install(root, 'C:\\Program Files\\VMware\\VMware Tools\\VSock SDK\\include');
    const { code, stdout } = await runCli(['--sdk', '--root', root], process.cwd());
    expect(code).toBe(0);
    expect(stdout).toBe(`${header}\n`);
  });

  it('generates from the header it found', async () => {
    const root = scratch();
    install(
      root,
      '/usr/lib/vmware-tools/include/vmci',
      readFileSync(join(fixturesDir, 'rev2021.h'), 'utf8'),
    );
    const out = scratch();
    const { code } = await runCli(['--sdk', '--root', root, '-t', 'linux-x64', '--out', out]);
    expect(code).toBe(0);
    expect(readdirSync(out)).toEqual(['vmci_sockets.linux-x64.ts']);
  });

  it('fails with where it looked, exit 1', async () => {
    const root = scratch();
    const { code, stderr } = await runCli(['--sdk', '--root', root]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^vmci-codegen: ERR_CODEGEN_SDK_NOT_FOUND: no vmci_sockets\.h found; /);
    expect(stderr).toContain(join(root, 'usr/lib/vmware/include/vmci'));
  });

  it('reads VMCI_SDK_DIR', async () => {
    const custom = install(scratch(), '/opt/vmci');
    copyFileSync(join(fixturesDir, 'rev2008.h'), custom);
    const { code, stdout } = await runCli(['--sdk'], process.cwd(), {
      VMCI_SDK_DIR: dirname(custom),
    });
    expect(code).toBe(0);
    expect(stdout).toBe(`${custom}\n`);
  });

  it.each([
    [['--root', '/x', 'h.h', '-t', 'linux-x64'], '--root only applies to --sdk'],
    [['--sdk', 'h.h', '-t', 'linux-x64'], 'give a header path or --sdk, not both'],
  ])('refuses %j: %s (exit 2)', async (args, message) => {
    const { code, stderr } = await runCli(args);
    expect(code).toBe(2);
    expect(stderr).toContain(`vmci-codegen: ${message}; run`);
  });
});
