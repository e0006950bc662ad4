/**
 * Shared by the proxy tests: the usual route, a vsock service, and a per-test fixture that starts
 * proxies and closes them after the test; the socket helpers every package's tests use come from
 * the repository's test/helpers and are re-exported here. Vsock here is always a testkit
 * transport (in memory): this machine is a VM and host tests must never touch its AF_VSOCK.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { createServer as createVsockServer, type Transport } from '@vmci/sockets';
import type { Hypervisor } from '@vmci/testkit';
import { useHypervisor } from '@vmci/testkit/vitest';
import { useCleanups } from '../../../../test/helpers/cleanups.js';
import { EventLog } from '../../../../test/helpers/event-log.js';
import { netService, vsockService as vsockServiceOn } from '../../../../test/helpers/sockets.js';
import type { ProxyEvent } from '../../src/log.js';
import { type ProxyOptions, type RunningProxy, startProxy } from '../../src/start-proxy.js';

export {
  closed,
  echo,
  exchange,
  netService,
  peerGone,
  readAll,
  tcpClient,
  tcpConnectionTurnedAway,
  unixClient,
} from '../../../../test/helpers/sockets.js';

/**
 * The route most proxy tests take: from a free TCP port on 127.0.0.1 to vsock port 5000 of VM 3,
 * with exactly that target allowed. Spread it and add the transport and what the test varies.
 */
export const tcpToVm3: Pick<ProxyOptions, 'from' | 'to' | 'allow'> = {
  from: 'tcp:0',
  to: 'vsock:3:5000',
  allow: ['vsock:3:5000'],
};

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export { randomBytes };

/** Serves `handler` on a vsock port of `transport`; `close()` also destroys open connections. */
export function vsockService(
  transport: Transport,
  port: number,
  handler: (socket: Duplex) => void,
) {
  return vsockServiceOn(createVsockServer, transport, port, handler);
}

/** Leaves a Unix socket file behind whose listener died (a SIGKILLed process does not unlink). */
export async function staleUnixSocket(path: string): Promise<void> {
  const script = `require('node:net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`;
  await new Promise<void>((resolve) => {
    execFile(process.execPath, ['-e', script], () => resolve());
  });
}

/**
 * The proxy tests' setup: a testkit hypervisor per test (`hv()`), and proxies, services and
 * temporary directories closed after each test, before the hypervisor's leak check.
 */
export function useProxyFixture() {
  // The hypervisor's afterEach is registered first, so its leak check runs after the cleanups.
  const hv: () => Hypervisor = useHypervisor();
  const cleanups = useCleanups('vmci-proxy-');
  const { closeAfter } = cleanups;
  return {
    hv,
    ...cleanups,
    /**
     * Starts a proxy that records its events, on the testkit host's transport unless `options`
     * name another (never the kernel's); closed after the test.
     */
    async proxy(
      options: ProxyOptions,
    ): Promise<{ proxy: RunningProxy; log: EventLog<ProxyEvent>; port: number }> {
      const log = new EventLog<ProxyEvent>();
      const running = closeAfter(
        await startProxy({ transport: hv().host.transport, ...options, onEvent: log.push }),
      );
      return { proxy: running, log, port: 'port' in running.from ? running.from.port : 0 };
    },
    vsockService: async (...args: Parameters<typeof vsockService>) =>
      closeAfter(await vsockService(...args)),
    netService: async (...args: Parameters<typeof netService>) =>
      closeAfter(await netService(...args)),
  };
}
