/**
 * `--help` for every command, and usage errors that say what to do.
 */
import { describe, expect, it } from 'vitest';
import { main } from '../src/main.js';
import { commands } from '../src/registry.js';
import { streamIo } from './helpers/stream-io.js';

async function run(...argv: string[]) {
  const { io, output, errors } = streamIo('');
  const code = await main(argv, io);
  return { code, stdout: output(), stderr: errors() };
}

describe('vmci help', () => {
  it.each(commands.filter((c) => !c.passThrough).map((c) => c.name))(
    '%s --help shows usage, options and examples, and exits 0',
    async (name) => {
      const { code, stdout, stderr } = await run(name, '--help');
      expect(code).toBe(0);
      expect(stderr).toBe('');
      expect(stdout).toMatch(new RegExp(`^Usage: vmci ${name} `));
      expect(stdout).toContain('Options:');
      expect(stdout).toMatch(/Examples:\n {2}\S/);
    },
  );

  it('lists every command in the general help', async () => {
    const { stdout } = await run('--help');
    for (const command of commands) expect(stdout).toMatch(new RegExp(`^  ${command.name} `, 'm'));
  });

  it("'vmci help <command>' is '<command> --help'", async () => {
    expect((await run('help', 'proxy')).stdout).toBe((await run('proxy', '--help')).stdout);
  });

  it('names an unknown option and where to look, exit 2', async () => {
    const { code, stderr } = await run('listen', '5000', '--nope');
    expect(code).toBe(2);
    expect(stderr).toBe(
      "vmci listen: unknown option '--nope'; run 'vmci listen --help' for the options\n",
    );
  });

  it('says which option is missing its value, exit 2', async () => {
    const { code, stderr } = await run('listen', '5000', '--cid');
    expect(code).toBe(2);
    expect(stderr).toBe('vmci listen: --cid needs a value\n');
  });

  it('says how many arguments a command takes, exit 2', async () => {
    const { code, stderr } = await run('send', 'host:5000');
    expect(code).toBe(2);
    expect(stderr).toContain('vmci send: expected at least 2 arguments, got 1; usage: vmci send');
  });

  it('refuses a non-numeric --timeout, exit 2', async () => {
    const { code, stderr } = await run('connect', 'host:5000', '--timeout', 'soon');
    expect(code).toBe(2);
    expect(stderr).toBe("vmci connect: --timeout must be a positive whole number, got 'soon'\n");
  });
});
