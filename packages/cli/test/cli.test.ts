import { getLocalCID } from '@vmci/ffi';
import { describe, expect, it } from 'vitest';
import { main } from '../src/main.js';

async function run(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    isTTY: false,
  });
  return { code, stdout, stderr };
}

describe('vmci', () => {
  it('prints help with examples and exits 0 for --help', async () => {
    const { code, stdout } = await run('--help');
    expect(code).toBe(0);
    expect(stdout).toContain('Examples:');
    expect(stdout).toContain('vmci doctor --json');
  });

  it('prints usage and exits 2 without a command', async () => {
    expect((await run()).code).toBe(2);
  });

  it('names an unknown command in one sentence on stderr and exits 2', async () => {
    const { code, stderr } = await run('frobnicate');
    expect(code).toBe(2);
    expect(stderr).toBe("vmci: unknown command 'frobnicate'; run 'vmci --help' for the list\n");
  });

  it('prints its version', async () => {
    const { code, stdout } = await run('--version');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it('reports the machine as JSON from doctor, without connecting', async () => {
    const { code, stdout } = await run('doctor', '--json');
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.addressFamily).toEqual({ value: 40, foundBy: 'socket-stream' });
    expect(report.localCid.value).toBe(getLocalCID());
    expect(report.socketTypes.stream).toBe('ok');
    expect(report.socketTypes.dgram).toMatch(/^ENODEV/);
    expect(report.defaults).toEqual({
      bufferSize: 262144,
      bufferMin: 128,
      bufferMax: 262144,
      connectTimeoutMs: 2000,
    });
    expect(['pipe', 'poll']).toContain(report.backend.name);
  });

  it('rejects an unknown doctor option', async () => {
    const { code, stderr } = await run('doctor', '--yaml');
    expect(code).toBe(2);
    expect(stderr).toContain("unknown option '--yaml'");
  });

  it('runs the demo on the virtual hypervisor: echo, HTTP, policy refused then allowed', async () => {
    const warnings: Error[] = [];
    const collect = (warning: Error) => warnings.push(warning);
    process.on('warning', collect);
    const { code, stdout, stderr } = await run('demo').finally(() =>
      process.off('warning', collect),
    );
    expect(stderr).toBe('');
    expect(warnings).toEqual([]);
    expect(code).toBe(0);
    expect(stdout).toContain('←  "hello over vsock"');
    expect(stdout).toContain('←  200 {"path":"/status"');
    expect(stdout).toMatch(/web → db: refused — ECONNRESET: guest-to-guest traffic/);
    expect(stdout).toContain('web → db:5432  "select 1"  ←  "select 1"');
    expect(stdout).toContain('VMware deprecates guest ↔ guest vsock');
    expect(stdout).toContain('done: every socket closed.');
  });
});
