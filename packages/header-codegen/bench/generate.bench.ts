/**
 * One header × 5 targets, end to end (preprocess, parse, layout, ts-morph emit), warm.
 * Goal (issue): < 300 ms on the 2-core development machine. Run: `pnpm bench`.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { emitModule } from '../src/emit.js';
import { buildModel } from '../src/model.js';
import { targetNames } from '../src/targets.js';

const headerPath = fileURLToPath(new URL('../fixtures/vmware/rev2021.h', import.meta.url));
const text = readFileSync(headerPath, 'utf8');
const warmup = 5;
const runs = 30;

function once(): { model: number; emit: number } {
  let model = 0;
  let emit = 0;
  for (const target of targetNames) {
    const t0 = performance.now();
    const built = buildModel({ path: headerPath, text, target });
    const t1 = performance.now();
    emitModule(built);
    emit += performance.now() - t1;
    model += t1 - t0;
  }
  return { model, emit };
}

for (let i = 0; i < warmup; i++) once();
const samples = Array.from({ length: runs }, once);
const totals = samples.map((s) => s.model + s.emit).sort((a, b) => a - b);
const median = (values: number[]) => values[Math.floor(values.length / 2)] as number;
const result = {
  header: 'fixtures/vmware/rev2021.h',
  targets: targetNames.length,
  runs,
  medianMs: +median(totals).toFixed(1),
  p90Ms: +(totals[Math.floor(runs * 0.9)] as number).toFixed(1),
  modelMedianMs: +median(samples.map((s) => s.model).sort((a, b) => a - b)).toFixed(1),
  emitMedianMs: +median(samples.map((s) => s.emit).sort((a, b) => a - b)).toFixed(1),
  goalMs: 300,
};
console.table([result]);
console.log(JSON.stringify(result));
console.log(`ratio to goal: ${(result.medianMs / result.goalMs).toFixed(2)}× of 300 ms`);
