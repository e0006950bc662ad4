/**
 * `vmci --version` startup against `node -e 0`, in one run (goal: within 150 ms). Builds the
 * bundle first (what `npm i -g @vmci/cli` runs), then alternates the two commands so machine
 * noise hits both alike. Also shows the workspace path (`tsx src/bin.ts`) for reference.
 *
 *   pnpm --filter @vmci/cli bench        (VMCI_BENCH_RUNS=N, default 30)
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildCli } from '../build.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const runs = Number(process.env.VMCI_BENCH_RUNS ?? 30);

function timeOnce(args: string[]): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`${args.join(' ')} failed: ${result.stderr}`);
  return ms;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

await buildCli(`${root}dist`);
const cases = {
  'node -e 0': ['-e', '0'],
  'vmci --version (bundle)': ['bin/vmci.js', '--version'],
  'vmci --help (bundle)': ['bin/vmci.js', '--help'],
  'vmci --version (tsx, workspace)': ['--import', 'tsx', 'src/bin.ts', '--version'],
};
const samples = Object.fromEntries(Object.keys(cases).map((name) => [name, [] as number[]]));
for (const args of Object.values(cases)) timeOnce(args); // warm the file cache
for (let i = 0; i < runs; i++)
  for (const [name, args] of Object.entries(cases)) samples[name]?.push(timeOnce(args));

const baseline = median(samples['node -e 0'] as number[]);
const results = Object.entries(samples).map(([name, values]) => ({
  name,
  medianMs: median(values),
  overNodeMs: median(values) - baseline,
}));
console.log(`startup, median of ${runs} runs each (Node ${process.version})`);
for (const r of results)
  console.log(
    `  ${r.name.padEnd(34)} ${r.medianMs.toFixed(1).padStart(7)} ms  (+${r.overNodeMs.toFixed(1)} ms over node -e 0)`,
  );
const version = results.find((r) => r.name === 'vmci --version (bundle)');
console.log(
  `goal: vmci --version within 150 ms of node -e 0 — ${version && version.overNodeMs <= 150 ? 'met' : 'NOT met'}`,
);
writeFileSync(
  new URL('results-startup.json', import.meta.url),
  `${JSON.stringify({ node: process.version, runs, results }, null, 2)}\n`,
);
