/**
 * Summarises V8 CPU profiles (`node --cpu-prof`, e.g. those `BENCH_CPU_PROF=DIR pnpm bench:vm`
 * writes): self time per function and per area (our packages, Node internals, koffi, GC, idle),
 * for each profile in a directory tree.
 *
 *   node_modules/.bin/tsx packages/cli/bench/profile-summary.ts DIR [top=15]
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

function profilesIn(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return profilesIn(full);
    return entry.name.endsWith('.cpuprofile') ? [full] : [];
  });
}

/** Where a function lives, coarsely. */
function area(url: string, name: string): string {
  if (name === '(idle)' || name === '(program)' || name === '(garbage collector)') return name;
  if (url === '') return 'native / V8 builtins';
  if (url.startsWith('node:')) return 'Node internals';
  if (url.includes('/koffi/')) return 'koffi';
  const ours = /\/packages\/([^/]+)\//.exec(url);
  if (ours) return `@vmci/${ours[1]}`;
  if (url.includes('/node_modules/')) return 'dependencies';
  return 'other';
}

const percent = (part: number, whole: number) => `${((100 * part) / whole).toFixed(1)} %`;

const [dir, topArg] = process.argv.slice(2);
if (!dir) {
  console.error('usage: profile-summary.ts DIR [top]');
  process.exit(2);
}
const top = Number(topArg ?? 15);
for (const file of profilesIn(dir)) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<string, number>();
  const areas = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    const micros = profile.timeDeltas[i] ?? 0;
    if (!node) return;
    const { functionName, url, lineNumber } = node.callFrame;
    const name = functionName || '(anonymous)';
    const key = url
      ? `${name} ${url.replace(/^.*\/(packages|node_modules)\//, '$1/')}:${lineNumber + 1}`
      : name;
    self.set(key, (self.get(key) ?? 0) + micros);
    const where = area(url, name);
    areas.set(where, (areas.get(where) ?? 0) + micros);
    total += micros;
  });
  const busy = total - (areas.get('(idle)') ?? 0);
  console.log(
    `\n${path.relative(process.cwd(), file)}: ${(total / 1e6).toFixed(2)} s sampled, ${(busy / 1e6).toFixed(2)} s busy`,
  );
  for (const [where, micros] of [...areas].sort((a, b) => b[1] - a[1]))
    console.log(`  ${where.padEnd(28)} ${percent(micros, total).padStart(7)}`);
  console.log('  top functions by self time:');
  for (const [key, micros] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`    ${percent(micros, total).padStart(7)}  ${key}`);
}
