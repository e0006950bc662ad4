/**
 * Test helpers for both ends of a transfer on the testkit's virtual hypervisor; the CLI's
 * `vmci send` / `vmci recv` tests use them too.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type Transport, type VsockSocket } from '@vmci/sockets';
import type { Hypervisor } from '@vmci/testkit';
import { afterEach, beforeEach } from 'vitest';
import { waitForText } from '../../../../test/helpers/wait-for-text.js';
import { type ReceiveFilesOptions, type ReceiveSummary, receiveFiles } from '../../src/receive.js';
import { ReplyReader } from '../../src/wire.js';

/**
 * Runs receiveFiles into `dir` on `transport`; `whenListening` gets the port (its rejection fails
 * the test) and resolves to what the sending side returned.
 */
export function receiveWith<T>(
  where: { readonly dir: string; readonly transport: Transport },
  options: Omit<ReceiveFilesOptions, 'dir' | 'transport'>,
  whenListening: (port: number) => Promise<T>,
): Promise<{ summary: ReceiveSummary; sent: T }> {
  let sending: Promise<T> | undefined;
  const received = receiveFiles({
    ...where,
    ...options,
    onListening: ({ port }) => {
      sending = whenListening(port);
      // Awaited below; this keeps a failure before the receiver ends from being "unhandled".
      sending.catch(() => {});
    },
  });
  return received.then(async (summary) => ({ summary, sent: (await sending) as T }));
}

/**
 * A hand-driven sender in VM 3 (added when missing): writes frames from the encoder and reads
 * the receiver's replies.
 */
export async function rawSender(
  hv: Hypervisor,
  port: number,
): Promise<{ socket: VsockSocket; replies: ReplyReader }> {
  const vm = hv.endpoint(3) ?? hv.addVM({ cid: 3 });
  const socket = await connect({ cid: 'host', port, transport: vm.transport, allowHalfOpen: true });
  socket.on('error', () => {});
  return { socket, replies: new ReplyReader(socket) };
}

/**
 * A receiving and a sending directory per test (removed after it); `onCreated` gets both. Returns
 * helpers to put a file in the sending directory and to look at the receiving one.
 */
export function useTransferDirs(onCreated: (receivingDir: string, sendingDir: string) => void) {
  let dir = '';
  let sourceDir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vmci-recv-'));
    sourceDir = mkdtempSync(join(tmpdir(), 'vmci-send-'));
    onCreated(dir, sourceDir);
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(sourceDir, { recursive: true, force: true });
  });
  /** What is in the receiving directory (temporary files included). */
  const listing = () => readdirSync(dir).sort();
  return {
    /** Writes a file to send; returns its path. */
    sourceFile(name: string, content: Buffer | string): string {
      const path = join(sourceDir, name);
      writeFileSync(path, content);
      return path;
    },
    listing,
    /** Resolves once the receiver has created its temporary file (it is writing data). */
    partialFileAppears: () => waitForText(() => listing().join('\n'), '.vmci-partial-'),
  };
}
