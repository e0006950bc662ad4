/**
 * Test helpers for both ends of a transfer on the testkit's virtual hypervisor. The directories a
 * transfer reads and writes come from the repository's test/helpers (the CLI's tests use them
 * too) and are re-exported here.
 */
import { connect, type Transport, type VsockSocket } from '@vmci/sockets';
import type { Hypervisor } from '@vmci/testkit';
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

export { useTransferDirs } from '../../../../test/helpers/transfer-dirs.js';
