/** Resolves once `read()` contains `text` (polling; for output written from other callbacks). */
export async function waitForText(read: () => string, text: string | RegExp, ms = 5000) {
  const deadline = Date.now() + ms;
  const found = () => (typeof text === 'string' ? read().includes(text) : text.test(read()));
  while (!found()) {
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${String(text)}; have: ${JSON.stringify(read())}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
