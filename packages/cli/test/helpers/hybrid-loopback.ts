/**
 * A stand-in for Firecracker's hybrid vsock device whose "guest" is this host: `CONNECT <port>`
 * on the device socket is answered by connecting to `<uds>_<port>` (where a `--hybrid` listener
 * on the host waits), so host-initiated and guest-initiated paths meet in one test. Unix sockets
 * only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function hybridLoopback(): Promise<{ udsPath: string; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'vmci-hybrid-'));
  const udsPath = join(dir, 'v.sock');
  const open = new Set<net.Socket>();
  // Half-open both ways, as vsock is: a peer that ends its side can still read the reply.
  const device = net.createServer({ allowHalfOpen: true }, (client) => {
    open.add(client);
    client.once('close', () => open.delete(client));
    let line = '';
    const onData = (chunk: Buffer) => {
      line += chunk.toString('latin1');
      const end = line.indexOf('\n');
      if (end < 0) return;
      client.off('data', onData);
      client.pause();
      const rest = Buffer.from(line.slice(end + 1), 'latin1');
      const port = /^CONNECT (\d+)$/.exec(line.slice(0, end))?.[1];
      if (!port) return void client.destroy();
      const guest = net.connect({ path: `${udsPath}_${port}`, allowHalfOpen: true });
      open.add(guest);
      guest.once('close', () => open.delete(guest));
      guest.once('error', () => client.destroy());
      guest.once('connect', () => {
        client.write(`OK ${40000 + open.size}\n`);
        if (rest.length > 0) guest.write(rest);
        client.pipe(guest);
        guest.pipe(client);
        client.resume();
      });
    };
    client.on('data', onData);
    client.on('error', () => {});
  });
  await new Promise<void>((resolve) => device.listen(udsPath, resolve));
  return {
    udsPath,
    close: async () => {
      for (const socket of open) socket.destroy();
      await new Promise((resolve) => device.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
