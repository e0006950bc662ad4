/**
 * `vmci`: the command line. Each command is a function of its arguments and an IO, so tests run
 * them in-process.
 */
import { readFileSync } from 'node:fs';
import { runDemo } from './commands/demo.js';
import { runDoctor } from './commands/doctor.js';
import { runConnect, runListen, type StreamIo } from './commands/listen.js';
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
  listen <port> [--cid C] [--echo | --exec CMD] [--keep]
                    accept a connection; pipe it to stdin/stdout (or echo, or a command)
  connect <cid>:<port> [--timeout MS]
                    connect (cid: a number or host, hypervisor, local); pipe stdin/stdout

Options:
  --help, -h        show this help
  --version, -v     print the version

Examples:
  vmci doctor
  vmci doctor --json | jq .localCid
  vmci demo
  vmci listen 5000 --echo
  vmci connect host:5000 < request.txt > reply.txt
  vmci listen 6000 --exec 'tar -x -C /srv/in'
`;

function options(args: readonly string[], spec: Record<string, 'flag' | 'value'>, command: string) {
  const positional: string[] = [];
  const values: Record<string, string | boolean> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const name = arg.slice(2);
    const kind = spec[name];
    if (!kind) throw new UsageError(`vmci ${command}: unknown option '${arg}'`);
    if (kind === 'flag') values[name] = true;
    else {
      const value = args[++i];
      if (value === undefined) throw new UsageError(`vmci ${command}: ${arg} needs a value`);
      values[name] = value;
    }
  }
  return { positional, values };
}

export async function main(argv: readonly string[], io: CliIo | StreamIo): Promise<number> {
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
    if (command === 'listen' || command === 'connect') {
      const streamIo = 'stdin' in io ? io : undefined;
      if (!streamIo) throw new UsageError(`vmci ${command}: needs standard input and output`);
      if (command === 'listen') {
        const { positional, values } = options(
          rest,
          { cid: 'value', echo: 'flag', exec: 'value', keep: 'flag' },
          'listen',
        );
        if (positional.length !== 1)
          throw new UsageError('vmci listen: give one port (e.g. vmci listen 5000 --echo)');
        return await runListen(streamIo, {
          port: positional[0] as string,
          ...(typeof values.cid === 'string' ? { cid: values.cid } : {}),
          ...(values.echo ? { echo: true } : {}),
          ...(typeof values.exec === 'string' ? { exec: values.exec } : {}),
          ...(values.keep ? { keep: true } : {}),
        });
      }
      const { positional, values } = options(rest, { timeout: 'value' }, 'connect');
      if (positional.length !== 1)
        throw new UsageError('vmci connect: give one address (e.g. vmci connect host:5000)');
      return await runConnect(streamIo, {
        address: positional[0] as string,
        ...(typeof values.timeout === 'string' ? { connectTimeout: values.timeout } : {}),
      });
    }
    throw new UsageError(`vmci: unknown command '${command}'; run 'vmci --help' for the list`);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`${error.message}\n`);
      return error.exitCode;
    }
    const code = (error as { code?: string }).code;
    io.stderr(`vmci: ${code ? `${code}: ` : ''}${(error as Error).message}\n`);
    // Bad addresses and arguments are usage errors; everything else failed while running.
    return code?.startsWith('ERR_VMCI_INVALID') ? 2 : 1;
  }
}
