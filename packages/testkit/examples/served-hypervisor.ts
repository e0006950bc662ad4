import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect } from '@vmci/sockets';
import { createHypervisor } from '@vmci/testkit';

// The test process owns the hypervisor and serves it on a Unix socket…
// (`guard`: a program to run it under, e.g. the testkit's noVsockGuard(), so it cannot reach a
// real hypervisor even by mistake.)
export async function askGuestProcess(
  socketPath: string,
  guestScript: string,
  guard?: string,
): Promise<string> {
  const hv = createHypervisor();
  hv.addVM({ cid: 3 });
  const served = await hv.serve(socketPath);
  // …the guest service runs as its own process, joined as VM 3 by configuration alone…
  const command = [process.execPath, '--import', 'tsx', guestScript];
  if (guard) command.unshift(guard);
  const guest = spawn(command[0] as string, command.slice(1), {
    env: { ...process.env, VMCI_TRANSPORT: `testkit:${socketPath}?cid=3` },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await once(guest.stdout, 'data'); // it prints a line once it listens
  // …and the host side talks to it; restarts, faults and hv.trace() are driven from here.
  const socket = await connect({ cid: 3, port: 5000, transport: hv.host.transport });
  socket.end('status?\n');
  let answer = '';
  for await (const chunk of socket) answer += chunk; // the whole reply, to its end
  guest.kill();
  await once(guest, 'exit');
  await served.close();
  return answer;
}
