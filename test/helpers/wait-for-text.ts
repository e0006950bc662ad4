/**
 * Resolves once `read()` contains `text` (polling; for output written from other callbacks or a
 * child process). Gives up after `ms` with what it has: generous by default, a diagnostic on a
 * loaded machine rather than a deadline.
 */
export async function waitForText(read: () => string, text: string | RegExp, ms = 60_000) {
  const deadline = Date.now() + ms;
  const found = () => (typeof text === 'string' ? read().includes(text) : text.test(read()));
  while (!found()) {
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${String(text)}; have: ${JSON.stringify(read())}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
