/**
 * `vmci` as a real process, for the nested-VM suites: spawn it from source, collect its output,
 * wait for a line on its stderr, and kill what a test left running (`afterEach(killLeftovers)`).
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const running = new Set<ChildProcessWithoutNullStreams>();

/** How to start it: under a guard program (`<guard> node …`), with extra environment. */
export interface Launch {
  readonly guard?: string;
  readonly env?: NodeJS.ProcessEnv;
}

/** Starts `vmci <args>` (the TypeScript source through tsx) with piped stdio. */
export function vmci(args: readonly string[], launch: Launch = {}): ChildProcessWithoutNullStreams {
  const command = [process.execPath, '--import', 'tsx', 'src/bin.ts', ...args];
  if (launch.guard) command.unshift(launch.guard);
  const child = spawn(command[0] as string, command.slice(1), {
    cwd: root,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...launch.env },
  });
  running.add(child);
  child.once('close', () => running.delete(child));
  return child;
}

/** Kills every `vmci` process still running, so a failed test does not leave servers behind. */
export function killLeftovers(): void {
  for (const child of running) child.kill('SIGKILL');
}

export interface ProcessOutput {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Everything the process writes, and its exit code, once it has closed. */
export function outputOf(child: ChildProcessWithoutNullStreams): Promise<ProcessOutput> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk;
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs `vmci <args>` with `input` as its whole standard input; resolves once it has exited. */
export function runVmci(
  args: readonly string[],
  input = '',
  launch: Launch = {},
): Promise<ProcessOutput> {
  const child = vmci(args, launch);
  const output = outputOf(child);
  child.stdin.end(input);
  return output;
}

/** Its exit code once it has closed (at once when it already has). */
export function exited(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('close', (code) => resolve(code)));
}

/** The process's stderr so far, and a wait for text that matches (rejects if it exits first). */
export function watchStderr(child: ChildProcessWithoutNullStreams) {
  let text = '';
  child.stderr.on('data', (chunk: Buffer) => {
    text += chunk;
  });
  return {
    text: () => text,
    waitFor(pattern: RegExp): Promise<RegExpExecArray> {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(text);
          if (!match) return;
          child.stderr.off('data', check);
          child.off('close', onClose);
          resolve(match);
        };
        const onClose = () => reject(new Error(`exited before ${pattern}; stderr:\n${text}`));
        child.stderr.on('data', check);
        child.once('close', onClose);
        check();
      });
    },
  };
}

/**
 * Starts a serving command (`listen`, `recv`, `bench --serve`) and resolves once it prints
 * `listening on …:PORT`, with that port; `done` resolves with its output when it exits.
 */
export async function listening(args: readonly string[], launch: Launch = {}) {
  const child = vmci(args, launch);
  const done = outputOf(child);
  // The port ends at a non-digit, so a line split inside the number is not misread.
  const [, port] = await watchStderr(child).waitFor(/listening on [^\n]*:(\d+)\D/);
  return { child, port: Number(port), done };
}
