// Node's side of hash-bound.sh: SHA-256 throughput by update size, the cost of copying socket-sized
// pieces into a SharedArrayBuffer, and a worker thread's start-up until its first reply.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';

const file = process.argv[2];
const data = readFileSync(file);
const MiB = 1024 * 1024;
const mib = data.length / MiB;
function cpu() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}
for (let rep = 0; rep < 2; rep++) {
  let t = performance.now();
  const h = createHash('sha256');
  for (let o = 0; o < data.length; o += MiB) h.update(data.subarray(o, o + MiB));
  h.digest();
  let s = (performance.now() - t) / 1000;
  console.log(
    `node sha256 1MiB updates: ${mib} MiB in ${s.toFixed(3)} s = ${(mib / s).toFixed(1)} MiB/s`,
  );
  for (const piece of [64 * 1024, 256 * 1024]) {
    t = performance.now();
    const h2 = createHash('sha256');
    for (let o = 0; o < data.length; o += piece) h2.update(data.subarray(o, o + piece));
    h2.digest();
    s = (performance.now() - t) / 1000;
    console.log(`node sha256 ${piece / 1024} KiB updates: ${(mib / s).toFixed(1)} MiB/s`);
  }
  // copy cost into a SharedArrayBuffer-backed 1 MiB slot, from 64 KiB pieces (socket 'data' chunks)
  const slot = Buffer.from(new SharedArrayBuffer(MiB));
  t = performance.now();
  for (let o = 0; o < data.length; o += 64 * 1024) data.copy(slot, o % MiB, o, o + 64 * 1024);
  s = (performance.now() - t) / 1000;
  console.log(`copy into SAB slot (64 KiB pieces): ${((s * 1000) / mib).toFixed(3)} ms/MiB`);
}
// worker start-up: new Worker(eval) until the first reply
for (let rep = 0; rep < 3; rep++) {
  const t = performance.now();
  const c0 = cpu();
  const w = new Worker(
    `const { parentPort } = require('node:worker_threads'); require('node:crypto'); parentPort.on('message', (m) => parentPort.postMessage(m));`,
    { eval: true },
  );
  await new Promise((resolve) => {
    w.once('message', resolve);
    w.postMessage(1);
  });
  const ms = performance.now() - t;
  await w.terminate();
  console.log(
    `worker start to first reply: ${ms.toFixed(1)} ms wall, main-thread+worker cpu ${((cpu() - c0) * 1000).toFixed(1)} ms`,
  );
}
