/**
 * `vmci`: the command line. Each command is a function of its arguments and an IO, so tests run
 * them in-process.
 */
import { readFileSync } from 'node:fs';
import { runDemo } from './commands/demo.js';
import { runDoctor } from './commands/doctor.js';
import { type CliIo, UsageError } from './io.js';

export const version: string = JSON.parse(
  readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
).version;

export const usage = `Usage: vmci <command> [options]

Commands:
  doctor [--json]   what this machine supports: platform, backend, AF value, local CID, socket
                    types, default buffer sizes, privileges (never connects)
  demo              a virtual hypervisor in this process: echo, HTTP and guest-to-guest policy
                    over vsock

Options:
  --help, -h        show this help
  --version, -v     print the version

Examples:
  vmci doctor
  vmci doctor --json | jq .localCid
  vmci demo
`;

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      io.stdout(usage);
      return command === undefined ? 2 : 0;
    }
    if (command === '--version' || command === '-v') {
      io.stdout(`${version}\n`);
      return 0;
    }
    if (command === 'doctor') {
      const unknown = rest.filter((a) => a !== '--json');
      if (unknown.length > 0)
        throw new UsageError(`vmci doctor: unknown option '${unknown[0]}' (try --json)`);
      return runDoctor(io, { json: rest.includes('--json') });
    }
    if (command === 'demo') {
      if (rest.length > 0) throw new UsageError(`vmci demo: unexpected argument '${rest[0]}'`);
      return await runDemo(io);
    }
    throw new UsageError(`vmci: unknown command '${command}'; run 'vmci --help' for the list`);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`${error.message}\n`);
      return error.exitCode;
    }
    const code = (error as { code?: string }).code;
    io.stderr(`vmci: ${code ? `${code}: ` : ''}${(error as Error).message}\n`);
    return 1;
  }
}
