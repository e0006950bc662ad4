/**
 * `vmci share DIR --port 0` in its own process (the guest kernel's 9p client must never wait on the
 * process that runs the test): resolves with the child and the port it printed on stderr.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const cliBin = fileURLToPath(new URL('../../cli/src/bin.ts', import.meta.url));

export async function startShareProcess(
  root: string,
  extra: readonly string[] = [],
): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', cliBin, 'share', root, '--port', '0', ...extra],
    { stdio: ['ignore', 'inherit', 'pipe'], cwd: fileURLToPath(new URL('..', import.meta.url)) },
  );
  let text = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      text += chunk;
      process.stderr.write(chunk);
      const match = /on vsock any:(\d+)/.exec(text);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`vmci share exited (${code}): ${text}`)));
  });
  return { child, port };
}
