/**
 * A child process run to completion, asynchronously (shared by the packages' tests; not shipped). Tests use this rather than `spawnSync`:
 * a synchronous wait blocks the vitest worker, and on a loaded machine a file of such waits
 * outlasts vitest's fixed 60 s RPC timeout ("Timeout calling onTaskUpdate") although every test
 * passes.
 */
import { spawn } from 'node:child_process';

export interface ProcessResult {
  /** The exit code, or null when a signal ended the process. */
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `command` with `args` and resolves once it has exited and its output is read. */
export function runProcess(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
}

/** Like `runProcess`, but rejects (with its stderr) unless the process exits 0; resolves stdout. */
export async function outputOf(
  command: string,
  args: readonly string[],
  options: { cwd?: string } = {},
): Promise<string> {
  const result = await runProcess(command, args, options);
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} exited ${result.status ?? result.signal}: ${result.stderr}`,
    );
  }
  return result.stdout;
}
