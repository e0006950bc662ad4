/**
 * The bundle that ships (`pnpm build` → dist/, started by bin/vmci.js), run as real processes
 * with plain `node`: no tsx, no workspace sources. Nothing here connects over vsock.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from '../build.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const vmci = (...args: string[]) =>
  spawnSync(process.execPath, ['bin/vmci.js', ...args], { cwd: root, encoding: 'utf8' });

beforeAll(() => buildCli(`${root}dist`), 60_000);

describe('the vmci bundle', () => {
  it('prints the package version', () => {
    const { version } = JSON.parse(readFileSync(`${root}package.json`, 'utf8'));
    expect(vmci('--version')).toMatchObject({ status: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('loads koffi for doctor --json', () => {
    const result = vmci('doctor', '--json');
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout).addressFamily.value).toBe(40);
  });

  it('runs the testkit in-process for bench --virtual', () => {
    const result = vmci('bench', '--virtual', '--json', '--size', '1', '--round-trips', '10');
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout).bulk.bytes).toBe(2 ** 20);
  });

  it('loads the code generator (ts-morph) for codegen', () => {
    const result = vmci('codegen', '--help');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('vmci-codegen <header> --target');
  });

  it('exits quietly when the reader of stdout has gone (EPIPE)', async () => {
    const child = spawn(process.execPath, ['bin/vmci.js', 'doctor'], { cwd: root });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk;
    });
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  });
});
