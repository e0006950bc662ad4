/**
 * A hypervisor served by a child process (`vmci-testkit serve`), for cross-process tests: waits for
 * its `serving` line (an event, with the child hang guard), answers commands, stops it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { noVsockGuard } from '../../src/index.js';
import { childHangGuardMs } from './child.js';

export const packageRoot = fileURLToPath(new URL('../..', import.meta.url));

/** A `vmci-testkit serve` child: its socket path, the process, and its stdin commands. */
export interface ServedHypervisor {
  readonly path: string;
  readonly child: ChildProcess;
  /** Sends one stdin command and resolves with its answer line. */
  command(line: string): Promise<string>;
  /** Ends the child (SIGTERM, then waits for its exit) and removes its directory. */
  stop(): Promise<void>;
}

/** Starts `vmci-testkit serve <path> ...args` under the no-vsock guard; resolves once it serves. */
export async function startServedHypervisor(args: readonly string[]): Promise<ServedHypervisor> {
  const dir = mkdtempSync(join(tmpdir(), 'vmci-hv-'));
  const path = join(dir, 'hv.sock');
  const child = spawn(
    await noVsockGuard(),
    [
      process.execPath,
      '--import',
      'tsx',
      join(packageRoot, 'src/serve-cli.ts'),
      'serve',
      path,
      ...args,
    ],
    { cwd: packageRoot, stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const waiting: ((line: string) => void)[] = [];
  lines.on('line', (line) => waiting.shift()?.(line));
  const nextLine = () =>
    new Promise<string>((resolve, reject) => {
      const guard = setTimeout(
        () => reject(new Error('vmci-testkit serve did not answer')),
        childHangGuardMs,
      );
      waiting.push((line) => {
        clearTimeout(guard);
        resolve(line);
      });
      child.once('exit', (code) => reject(new Error(`vmci-testkit serve exited (${code})`)));
    });
  const ready = await nextLine();
  if (ready !== `serving ${path}`) throw new Error(`unexpected first line: ${ready}`);
  return {
    path,
    child,
    command: (line) => {
      const answer = nextLine();
      child.stdin?.write(`${line}\n`);
      return answer;
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
