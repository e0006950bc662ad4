/**
 * Child processes in tests: wait for the child's exit event (never a fixed sleep), with a generous
 * hang guard that kills it and reports its output — so a loaded machine only makes a test slower.
 */
import { type SpawnOptions, spawn } from 'node:child_process';

/** How long a child may run before it counts as hung (ms). Far above any normal run. */
export const childHangGuardMs = 240_000;
/** The vitest timeout for a test that runs a child: above the guard, so the guard reports first. */
export const childTestTimeoutMs = childHangGuardMs + 30_000;

export interface ChildResult {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runChild(
  command: string,
  args: readonly string[],
  options: SpawnOptions = {},
): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (text: string) => {
      stdout += text;
    });
    child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
    });
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `${command} ${args.join(' ')} hung for ${childHangGuardMs} ms and was killed:\n${stdout}${stderr}`,
        ),
      );
    }, childHangGuardMs);
    child.once('error', (error) => {
      clearTimeout(guard);
      reject(error);
    });
    child.once('close', (status, signal) => {
      clearTimeout(guard);
      resolve({ status, signal, stdout, stderr });
    });
  });
}
