#!/usr/bin/env node
// Published entry point: runs the compiled CLI (in the workspace use `pnpm codegen` or tsx src/cli.ts).
import { main } from '../dist/cli.js';

process.exitCode = await main(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  cwd: process.cwd(),
});
