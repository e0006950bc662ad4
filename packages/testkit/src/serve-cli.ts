/**
 * `vmci-testkit serve <path> [--vm <cid>[:unrestricted]]… [--seed <n>]`: serves a virtual
 * hypervisor on a Unix socket for scripts; other processes join with
 * `VMCI_TRANSPORT=testkit:<path>?cid=<cid>` (or `vmci --transport testkit:<path>?cid=<cid>`).
 * Prints `serving <path>` once ready. Drive it with lines on stdin: `restart <cid>`,
 * `power-off <cid>`, `power-on <cid>`, `reset [<cid>]`, `partition <a> <b>`, `heal <a> <b>`,
 * `trace`; each answers one line (`ok …` or `error …`). SIGINT/SIGTERM stop it.
 */
import { createInterface } from 'node:readline';
import { createHypervisor, type Hypervisor } from './index.js';

const usage = 'usage: vmci-testkit serve <socket path> [--vm <cid>[:unrestricted]]… [--seed <n>]\n';

function command(hypervisor: Hypervisor, line: string): string {
  const [verb, ...args] = line.trim().split(/\s+/);
  const cids = args.map(Number);
  switch (verb) {
    case 'restart':
      hypervisor.vm(cids[0] as number).restart();
      return `ok restarted ${cids[0]}`;
    case 'power-off':
      hypervisor.vm(cids[0] as number).powerOff();
      return `ok powered off ${cids[0]}`;
    case 'power-on':
      hypervisor.vm(cids[0] as number).powerOn();
      return `ok powered on ${cids[0]}`;
    case 'reset':
      return `ok reset ${hypervisor.resetConnections(args.length > 0 ? { cid: cids[0] as number } : {})}`;
    case 'partition':
      hypervisor.partition(cids[0] as number, cids[1] as number);
      return `ok partitioned ${cids[0]} ${cids[1]}`;
    case 'heal':
      hypervisor.heal(cids[0] as number, cids[1] as number);
      return `ok healed ${cids[0]} ${cids[1]}`;
    case 'trace':
      return `ok ${JSON.stringify(hypervisor.trace())}`;
    default:
      return `error unknown command '${verb}'`;
  }
}

export async function main(argv: readonly string[]): Promise<number> {
  const [sub, path, ...rest] = argv;
  if (sub !== 'serve' || !path) {
    process.stderr.write(usage);
    return 2;
  }
  let seed = 1;
  const vms: { cid: number; unrestricted: boolean }[] = [];
  for (let i = 0; i < rest.length; i++) {
    const value = rest[i + 1] ?? '';
    if (rest[i] === '--vm' && /^\d+(:unrestricted)?$/.test(value)) {
      vms.push({ cid: Number.parseInt(value, 10), unrestricted: value.endsWith(':unrestricted') });
      i++;
    } else if (rest[i] === '--seed' && /^\d+$/.test(value)) {
      seed = Number(value);
      i++;
    } else {
      process.stderr.write(`vmci-testkit: bad argument '${rest[i]}'\n${usage}`);
      return 2;
    }
  }
  const hypervisor = createHypervisor({ seed });
  for (const vm of vms)
    hypervisor.addVM({ cid: vm.cid, allowUnrestrictedCommunication: vm.unrestricted });
  const server = await hypervisor.serve(path);
  process.stdout.write(`serving ${path}\n`);
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    if (line.trim() === '') return;
    let answer: string;
    try {
      answer = command(hypervisor, line);
    } catch (error) {
      answer = `error ${(error as Error).message}`;
    }
    process.stdout.write(`${answer}\n`);
  });
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  lines.close();
  await server.close();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`vmci-testkit: ${(error as Error).message}\n`);
    process.exitCode = 1;
  },
);
