import net from 'node:net';
import { createProxyLog, startProxy } from '@vmci/cli';
import { createServer } from '@vmci/sockets';
import { createHypervisor } from '@vmci/testkit';

const hv = createHypervisor();
const vm = hv.addVM({ cid: 3 });

// A service in VM 3 on vsock port 80…
const service = createServer({ transport: vm.transport }, (socket) =>
  socket.end('hello from VM 3\n'),
);
await service.listenAsync({ port: 80 });

// …reachable over TCP on localhost through the proxy (port 0: a free port).
const proxy = await startProxy({
  from: 'tcp:127.0.0.1:0',
  to: 'vsock:3:80',
  allow: ['vsock:3:80'],
  transport: hv.host.transport,
  onEvent: createProxyLog({ write: (line) => process.stderr.write(line), format: 'text' }),
});
if (proxy.from.kind !== 'tcp') throw new Error('the proxy listens on TCP');

const client = net.connect(proxy.from.port, '127.0.0.1');
client.pipe(process.stdout);
client.on('close', async () => {
  const totals = await proxy.close(); // { connections, refused, denied, failed, bytesIn, bytesOut }
  console.log(totals);
  service.close();
});
