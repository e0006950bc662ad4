/**
 * The README's code examples (examples/, kept identical to the README by the root docs test), run
 * on the testkit's virtual hypervisor: none of them touches the kernel's vsock.
 */
import { afterEach, expect, it, vi } from 'vitest';

afterEach(() => {
  vi.restoreAllMocks();
});

/** Resolves once everything written to `stream` so far contains `text`. */
function written(stream: NodeJS.WriteStream, text: string): Promise<string> {
  let output = '';
  return new Promise((resolve) => {
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      output += String(chunk);
      if (output.includes(text)) resolve(output);
      return true;
    });
  });
}

// Loading the CLI takes seconds on a loaded CI machine: a hang guard, not a timing.
it('examples/proxy.ts relays a TCP client to a vsock service in a VM and reports the totals', {
  timeout: 60_000,
}, async () => {
  const stdout = written(process.stdout, 'hello from VM 3\n');
  const stderr = written(process.stderr, ' stopped ');
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  await import('../examples/proxy.js');
  await stdout;
  expect(await stderr).toMatch(/ closed #1 .* bytesOut=16 .*reason=done/);
  await vi.waitFor(() => expect(log).toHaveBeenCalled());
  expect(log.mock.calls[0]?.[0]).toMatchObject({ connections: 1, bytesOut: 16, failed: 0 });
});
