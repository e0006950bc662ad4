/**
 * `vmci doctor` reports the installed SDK header: fake install trees as the search root.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sdkInstallLocations } from '@vmci/header-codegen/cli';
import { describe, expect, it } from 'vitest';
import { runDoctor } from '../src/commands/doctor.js';

function doctor(json: boolean, sdk: { root: string; env?: Record<string, string> }) {
  let stdout = '';
  const code = runDoctor(
    { stdout: (t) => (stdout += t), stderr: () => {}, isTTY: false },
    { json, sdk: { env: {}, ...sdk } },
  );
  return { code, stdout };
}

const header = '/*\n * Copyright (C) 2007-2017 VMware, Inc.\n */\n#define AF_VSOCK_FAKE 1\n';

function fakeHostInstall(): { root: string; path: string } {
  const root = mkdtempSync(join(tmpdir(), 'vmci-doctor-sdk-'));
  const dir = join(root, 'usr/lib/vmware/include/vmci');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'vmci_sockets.h'), header);
  return { root, path: join(dir, 'vmci_sockets.h') };
}

describe('vmci doctor: SDK header', () => {
  it('reports the installed header with its revision and sha256 (--json)', () => {
    const { root, path } = fakeHostInstall();
    const { code, stdout } = doctor(true, { root });
    expect(code).toBe(0);
    const { sdk } = JSON.parse(stdout);
    expect(sdk).toMatchObject({
      header: path,
      installer: 'VMware Workstation / Player, Linux hosts',
      revision: '2017',
      esx: false,
    });
    expect(sdk.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(sdk.searched).toHaveLength(sdkInstallLocations.length);
  });

  it('reports it in text', () => {
    const { root, path } = fakeHostInstall();
    const { stdout } = doctor(false, { root });
    expect(stdout).toContain(
      `  SDK header             ${path} (VMware Workstation / Player, Linux hosts, revision 2017)\n`,
    );
  });

  it('says where it looked when none is installed', () => {
    const root = mkdtempSync(join(tmpdir(), 'vmci-doctor-sdk-'));
    const json = JSON.parse(doctor(true, { root }).stdout).sdk;
    expect(json).toMatchObject({ header: null, installer: null, revision: null, sha256: null });
    expect(json.searched[0]).toBe(join(root, 'usr/lib/vmware-tools/include/vmci'));
    expect(doctor(false, { root }).stdout).toContain(
      `  SDK header             not installed — looked in ${join(root, 'usr/lib/vmware-tools/include/vmci')}, `,
    );
  });

  it('says that ESX/ESXi hosts have none', () => {
    const root = mkdtempSync(join(tmpdir(), 'vmci-doctor-sdk-'));
    mkdirSync(join(root, 'etc'));
    writeFileSync(join(root, 'etc/vmware-release'), 'VMware ESXi 7.0\n');
    expect(JSON.parse(doctor(true, { root }).stdout).sdk.esx).toBe(true);
    expect(doctor(false, { root }).stdout).toContain(
      'SDK header             not installed (ESX/ESXi hosts have none) — looked in ',
    );
  });

  it('follows VMCI_SDK_DIR', () => {
    const { root, path } = fakeHostInstall();
    const sdk = JSON.parse(
      doctor(true, { root, env: { VMCI_SDK_DIR: join(path, '..') } }).stdout,
    ).sdk;
    expect(sdk).toMatchObject({ header: path, installer: 'VMCI_SDK_DIR' });
  });
});
