/**
 * Shared test helpers: a temporary share root with an "outside" directory next to it (what an
 * escape would reach), and a server + client pair on the testkit's virtual hypervisor.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHypervisor } from '@vmci/testkit';
import {
  connectShare,
  createShareServer,
  type ShareClient,
  type ShareServerOptions,
} from '../src/index.js';

export interface Sandbox {
  readonly base: string;
  readonly root: string;
  readonly outside: string;
  /** Every path under `outside` with its content (to prove nothing there changed). */
  snapshotOutside(): Record<string, string>;
  remove(): void;
}

/** A temporary directory with `root/` (the share) and `outside/secret` next to it. */
export function makeSandbox(): Sandbox {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'vmci-share-'));
  const root = path.join(base, 'root');
  const outside = path.join(base, 'outside');
  fs.mkdirSync(root);
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, 'secret'), 'outside secret\n');
  fs.mkdirSync(path.join(root, 'dir'));
  fs.writeFileSync(path.join(root, 'dir', 'file'), 'inside\n');
  fs.writeFileSync(path.join(root, 'hello.txt'), 'hello\n');
  fs.symlinkSync('../outside', path.join(root, 'escape'));
  fs.symlinkSync(path.join(outside, 'secret'), path.join(root, 'secret-link'));
  fs.symlinkSync('/etc', path.join(root, 'etc'));
  return {
    base,
    root,
    outside,
    snapshotOutside() {
      const result: Record<string, string> = {};
      const walk = (dir: string) => {
        for (const name of fs.readdirSync(dir)) {
          const full = path.join(dir, name);
          const st = fs.lstatSync(full);
          if (st.isDirectory()) walk(full);
          else result[path.relative(outside, full)] = `${st.mode}:${fs.readFileSync(full, 'utf8')}`;
        }
      };
      walk(outside);
      return result;
    },
    remove() {
      fs.rmSync(base, { recursive: true, force: true });
    },
  };
}

/** A share server on the testkit's host and a client attached from guest CID 3. */
export async function startShare(
  root: string,
  options: Omit<ShareServerOptions, 'root' | 'transport'> = {},
  messageSize?: number,
): Promise<{
  client: ShareClient;
  close(): Promise<void>;
  server: ReturnType<typeof createShareServer>;
}> {
  const hv = createHypervisor({ seed: 1 });
  const guest = hv.addVM({ cid: 3 });
  const server = createShareServer({ root, transport: hv.host.transport, ...options });
  const { port } = await server.listen(0);
  const client = await connectShare({
    cid: 'host',
    port,
    transport: guest.transport,
    ...(messageSize === undefined ? {} : { messageSize }),
  });
  return {
    client,
    server,
    async close() {
      client.close();
      await server.close();
    },
  };
}
