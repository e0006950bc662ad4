#!/usr/bin/env node
// Published entry point (in the workspace: `pnpm vmci …`, which runs src/bin.ts through tsx).
import '../dist/bin.js';
