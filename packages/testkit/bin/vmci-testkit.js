#!/usr/bin/env node
// Published entry point (in the workspace: `node --import tsx src/serve-cli.ts …`).
import '../dist/serve-cli.js';
