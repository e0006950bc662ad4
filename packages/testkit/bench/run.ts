/**
 * In-process throughput and scale of the fake transport: bulk with 64 KiB writes (goal ≥ 2 GB/s)
 * and 10,000 concurrent connections with the memory they take. Run: `pnpm bench`.
 */
import { connect, createServer } from '@vmci/sockets';
import { createHypervisor } from '../src/index.js';

async function bulk(totalBytes: number): Promise<number> {
  const hv = createHypervisor();
  const vm = hv.addVM({ cid: 3 });
  let done!: () => void;
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });
  const server = createServer({ transport: hv.host.transport }, (socket) => {
    socket.on('data', () => {});
    socket.on('end', () => {
      socket.end();
      done();
    });
  });
  const { port } = await server.listenAsync();
  const client = await connect({ cid: 'host', port, transport: vm.transport });
  const chunk = Buffer.alloc(64 * 1024, 1);
  const started = process.hrtime.bigint();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const pump = () => {
      while (sent < totalBytes) {
        sent += chunk.length;
        if (!client.write(chunk)) {
          client.once('drain', pump);
          return;
        }
      }
      client.end();
      resolve();
    };
    pump();
  });
  await finished;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  server.close();
  return totalBytes / seconds / 1e6;
}

async function concurrent(
  count: number,
): Promise<{ seconds: number; heapMiB: number; perConnectionKiB: number }> {
  const hv = createHypervisor();
  const vm = hv.addVM({ cid: 3 });
  const server = createServer({ transport: hv.host.transport }, (socket) =>
    socket.on('error', () => {}),
  );
  const { port } = await server.listenAsync();
  globalThis.gc?.();
  const before = process.memoryUsage().heapUsed;
  const started = process.hrtime.bigint();
  const sockets = await Promise.all(
    Array.from({ length: count }, () => connect({ cid: 'host', port, transport: vm.transport })),
  );
  await new Promise((resolve) => setTimeout(resolve, 50));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  globalThis.gc?.();
  const used = process.memoryUsage().heapUsed - before;
  for (const socket of sockets) socket.destroy();
  server.close();
  return { seconds, heapMiB: used / 2 ** 20, perConnectionKiB: used / 1024 / count };
}

const mbps = [];
for (let i = 0; i < 3; i++) mbps.push(await bulk(1024 * 2 ** 20));
mbps.sort((a, b) => a - b);
const scale = await concurrent(10_000);
const result = {
  node: process.version,
  bulkMBps: Math.round(mbps[1] as number),
  bulkGoalMBps: 2000,
  connections: 10_000,
  connectSeconds: +scale.seconds.toFixed(2),
  heapMiB: +scale.heapMiB.toFixed(1),
  heapPerConnectionKiB: +scale.perConnectionKiB.toFixed(2),
};
console.table([result]);
console.log(JSON.stringify(result));
