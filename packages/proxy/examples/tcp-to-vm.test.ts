import { connect } from 'node:net';
import { text } from 'node:stream/consumers';
import { type ProxyEvent, startProxy } from '@vmci/proxy';
import { createServer } from '@vmci/sockets';
import { useHypervisor } from '@vmci/testkit/vitest';
import { expect, it } from 'vitest';

const hv = useHypervisor();

it('a TCP client on the host reaches an echo service in VM 3 through the proxy', async () => {
  // VM 3 serves an echo on vsock port 5000…
  const vm = hv().addVM({ cid: 3 });
  const echo = createServer({ transport: vm.transport }, (socket) => socket.pipe(socket));
  await echo.listenAsync({ port: 5000 });

  // …and the host relays a free TCP port on 127.0.0.1 to it, that target only.
  const events: ProxyEvent[] = [];
  const proxy = await startProxy({
    from: 'tcp:127.0.0.1:0',
    to: 'vsock:3:5000',
    allow: ['vsock:3:5000'],
    transport: hv().host.transport,
    onEvent: (event) => events.push(event),
  });
  const port = proxy.from.kind === 'tcp' ? proxy.from.port : 0;

  const client = connect(port, '127.0.0.1');
  client.end('hello');
  expect(await text(client)).toBe('hello');

  await proxy.close();
  echo.close();
  expect(events.map((event) => event.event)).toContain('closed');
});
