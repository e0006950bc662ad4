/**
 * `socket.flushed()`: waiting until the peer has every byte written so far — a graceful stop
 * before a VM is powered off. Shared by every socket class that can tell.
 */
import { VmciError } from '@vmci/ffi';

interface FlushingSocket {
  readonly writableLength: number;
  readonly destroyed: boolean;
}

/** Polling bounds (ms): the kernel gives no event when its send queue empties. */
const firstPoll = 1;
const lastPoll = 50;

/**
 * Resolves once nothing is left in the socket's own write queue (`writableLength` 0) and
 * `unsent()` — the transport's count of bytes not yet handed to the peer — is 0. `unsent()` is
 * called at once, so a transport that cannot tell rejects before any wait. Rejects with
 * `ERR_VMCI_SOCKET_CLOSED` when the socket is destroyed first, or with the signal's reason.
 */
export async function waitUntilFlushed(
  socket: FlushingSocket,
  unsent: () => number,
  signal?: AbortSignal,
): Promise<void> {
  let delay = firstPoll;
  for (;;) {
    signal?.throwIfAborted();
    if (socket.destroyed)
      throw new VmciError(
        'ERR_VMCI_SOCKET_CLOSED',
        'the socket was destroyed before the peer had received everything written to it',
      );
    if (unsent() === 0 && socket.writableLength === 0) return;
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, lastPoll);
  }
}

/** The rejection of a transport that cannot tell what the peer has received. */
export function cannotTellFlushed(transport: string): VmciError {
  return new VmciError(
    'ERR_VMCI_UNSUPPORTED',
    `${transport} cannot tell whether the peer has received everything (the kernel transport can, on Linux 6.12 and later)`,
  );
}
