/**
 * `vmci demo`: a virtual hypervisor in-process (a host and two VMs) showing, live, an echo over
 * vsock, an HTTP request over vsock, and a guest↔guest connect refused by policy and then allowed
 * after both VMs restart with unrestricted communication.
 */
import { once } from 'node:events';
import http from 'node:http';
import { text as readText } from 'node:stream/consumers';
import {
  connect,
  createServer,
  defaultTransport,
  serveOverVsock,
  type Transport,
  VsockAgent,
  type VsockServer,
} from '@vmci/sockets';
import { createHypervisor } from '@vmci/testkit';
import type { CommandContext, ParsedCommand } from '../command.js';
import type { CliIo } from '../io.js';

const closeServer = (server: VsockServer | http.Server) =>
  new Promise<void>((resolve) => server.close(() => resolve()));

async function echoOnce(
  transport: Transport,
  cid: number,
  port: number,
  text: string,
): Promise<string> {
  const socket = await connect({ cid, port, transport });
  socket.end(text);
  return readText(socket);
}

export interface DemoOptions {
  /** Run the echo and HTTP parts on the kernel transport over the local CID (vsock loopback). */
  readonly kernel?: boolean;
  /** The kernel-side transport for --kernel (default: the kernel's). */
  readonly kernelTransport?: Transport;
}

export async function runDemo(io: CliIo, options: DemoOptions = {}): Promise<number> {
  const say = (text: string) => io.stdout(`${text}\n`);
  // The demo shows guest↔guest on purpose and says VMware deprecates it in its own output, so
  // the process-wide DeprecationWarning would only repeat it on stderr.
  const hv = createHypervisor({ seed: 2026, guestToGuestWarning: false });
  const web = hv.addVM({ cid: 3, name: 'web' });
  const db = hv.addVM({ cid: 4, name: 'db' });
  // With --kernel, "host" and "web" are both this machine's kernel, talking over the local CID
  // (1): only vsock loopback is involved, never a hypervisor.
  const kernel = options.kernel ? (options.kernelTransport ?? defaultTransport()) : undefined;
  const server = kernel ?? hv.host.transport;
  const client = kernel ?? web.transport;
  const serverCid = kernel ? 1 : 2;
  const clientName = kernel ? 'local' : 'web';
  say(
    kernel
      ? 'vmci demo --kernel — echo and HTTP over the kernel transport on the local CID (1); guest-to-guest policy on a virtual hypervisor'
      : 'vmci demo — a virtual hypervisor in this process: host (CID 2), web (CID 3), db (CID 4)',
  );

  // 1. Echo: the host runs an echo service, the web VM talks to it.
  const echo = createServer({ transport: server }, (socket) => socket.pipe(socket));
  const { port: echoPort } = await echo.listenAsync({ port: kernel ? 0 : 5000 });
  say(`\n1. echo: ${kernel ? 'this kernel' : 'host'} listens on vsock port ${echoPort}`);
  say(
    `   ${clientName} → ${serverCid}:${echoPort}  "hello over vsock"  ←  "${await echoOnce(client, serverCid, echoPort, 'hello over vsock')}"`,
  );
  await closeServer(echo);

  // 2. HTTP: an ordinary http.Server on the host, an http.Agent in the guest.
  const api = http.createServer((req, res) =>
    res.end(JSON.stringify({ path: req.url, guest: req.socket.remoteAddress ?? 'vsock' })),
  );
  const vsockApi = serveOverVsock(api, { port: kernel ? 0 : 8080, transport: server });
  await once(vsockApi, 'listening');
  const apiPort = vsockApi.address()?.port ?? 8080;
  const agent = new VsockAgent({ cid: serverCid, port: apiPort, transport: client });
  const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
    http.get({ agent, host: 'agent.local', path: '/status' }, resolve).on('error', reject);
  });
  const body = `${res.statusCode} ${await readText(res)}`;
  say(
    `\n2. HTTP over vsock: ${kernel ? 'this kernel' : 'host'} serves http.Server on port ${apiPort}`,
  );
  say(
    `   ${clientName}: GET http://agent.local/status via vsock ${serverCid}:${apiPort}  ←  ${body}`,
  );
  agent.destroy();
  await closeServer(vsockApi);
  await closeServer(api);

  // 3. Guest ↔ guest: refused until both VMs allow it and restart.
  const dbService = createServer({ transport: db.transport }, (socket) => socket.pipe(socket));
  const { port: dbPort } = await dbService.listenAsync({ port: 5432 });
  say(`\n3. guest ↔ guest: db listens on port ${dbPort}`);
  try {
    await echoOnce(web.transport, 4, dbPort, 'select 1');
    say('   web → db: connected (unexpected)');
  } catch (error) {
    const reason = (error as Error).message.split('): ').pop();
    say(`   web → db: refused — ${(error as { code?: string }).code}: ${reason}`);
  }
  web.setAllowUnrestrictedCommunication(true);
  db.setAllowUnrestrictedCommunication(true);
  say(
    '   allowUnrestrictedCommunication set on both VMs; restarting them (open connections reset, ports freed)',
  );
  web.restart();
  db.restart();
  const dbAgain = createServer({ transport: db.transport }, (socket) => socket.pipe(socket));
  await dbAgain.listenAsync({ port: dbPort });
  say(
    `   web → db:${dbPort}  "select 1"  ←  "${await echoOnce(web.transport, 4, dbPort, 'select 1')}"`,
  );
  say(
    '   note: VMware deprecates guest ↔ guest vsock (apps get DeprecationWarning VMCI_DEP_GUEST_TO_GUEST); route it through the host, e.g. `vmci proxy`',
  );
  await closeServer(dbAgain);
  say(
    `\n${hv.openResources() === 0 ? 'done: every socket closed.' : `done, with ${hv.openResources()} resource(s) still open.`}`,
  );
  return 0;
}

/** `vmci demo [--kernel]`. */
export async function run(parsed: ParsedCommand, context: CommandContext): Promise<number> {
  return runDemo(context.io, {
    kernel: parsed.values.kernel === true,
    ...(context.transport ? { kernelTransport: context.transport } : {}),
  });
}
