/**
 * The C baseline (bench/vsock-baseline.c) from TypeScript: compile it with the guest's gcc, start
 * one of its servers, run one of its clients. Used by guest.ts and by @vmci/cli's bench/vm.ts;
 * only inside the nested-VM harness guest (the binary itself refuses to run anywhere else).
 */
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const source = path.join(path.dirname(fileURLToPath(import.meta.url)), 'vsock-baseline.c');
/** Where {@link compileBaseline} puts the binary (the guest's tmpfs). */
export const baselineBinary = path.join(os.tmpdir(), 'vsock-baseline');

export async function compileBaseline(): Promise<void> {
  await run('gcc', ['-O2', '-Wall', '-o', baselineBinary, source]);
}

/** A running baseline server and the port it listens on (0 for an AF_UNIX path). */
export interface BaselineServer {
  readonly port: number;
  stop(): void;
}

/** Starts `vsock-baseline <args>` (a server) and resolves once it says where it listens. */
export async function startBaselineServer(args: readonly string[]): Promise<BaselineServer> {
  const child = spawn(baselineBinary, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const [line] = (await Promise.race([
    once(lines, 'line'),
    once(child, 'exit').then(([code]) => {
      throw new Error(`vsock-baseline ${args.join(' ')} exited (${code})`);
    }),
  ])) as [string];
  const port = Number(/^listening (\d+)$/.exec(line)?.[1]);
  if (!Number.isInteger(port)) throw new Error(`vsock-baseline server said: ${line}`);
  lines.close();
  return { port, stop: () => child.kill() };
}

/** Runs a baseline client; resolves with the one number it prints. */
export async function baselineClient(args: readonly string[]): Promise<number> {
  const { stdout } = await run(baselineBinary, [...args], { maxBuffer: 1024 });
  return Number(stdout.trim());
}
