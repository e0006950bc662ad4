/**
 * The bundle that ships (`pnpm build` → dist/, started by bin/vmci.js), run as real processes
 * with plain `node`: no tsx, no workspace sources. Nothing here connects over vsock.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { runProcess } from '../../../test/helpers/run-process.js';
import { buildCli } from '../build.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const vmci = (...args: string[]) =>
  runProcess(process.execPath, ['bin/vmci.js', ...args], { cwd: root });

beforeAll(() => buildCli(`${root}dist`), 60_000);

describe('the vmci bundle', () => {
  it('prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(`${root}package.json`, 'utf8'));
    expect(await vmci('--version')).toMatchObject({
      status: 0,
      stdout: `${version}\n`,
      stderr: '',
    });
  });

  it('loads koffi for doctor --json', async () => {
    const result = await vmci('doctor', '--json');
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout).addressFamily.value).toBe(40);
  });

  it('runs the testkit in-process for bench --virtual', async () => {
    const result = await vmci('bench', '--virtual', '--json', '--size', '1', '--round-trips', '10');
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout).bulk.bytes).toBe(2 ** 20);
  });

  it('loads the code generator (ts-morph) for codegen', async () => {
    const result = await vmci('codegen', '--help');
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
