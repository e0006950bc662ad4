#!/usr/bin/env node
import { processIo } from './io.js';
import { main } from './main.js';

// The first SIGINT/SIGTERM asks serving commands to stop (they close listeners and let open
// transfers finish); the process exits anyway 2 s later, and at once on a second signal.
const stop = new AbortController();

// `vmci doctor | head -3`: a reader that went away is not an error worth a stack trace.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
const onSignal = (signal: NodeJS.Signals) => {
  const code = signal === 'SIGINT' ? 130 : 143;
  if (stop.signal.aborted) process.exit(code);
  stop.abort();
  process.exitCode = code;
  setTimeout(() => process.exit(code), 2000).unref();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

const code = await main(process.argv.slice(2), processIo, { signal: stop.signal });
if (!stop.signal.aborted) process.exitCode = code;
process.off('SIGINT', onSignal);
process.off('SIGTERM', onSignal);
