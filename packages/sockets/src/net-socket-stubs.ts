/**
 * The `net.Socket` members a vsock socket has only for type compatibility (so it can be passed
 * where `net.Socket` is wanted): shared by the Duplex-based sockets.
 */
import { VmciError } from '@vmci/ffi';

/** `socket.connect()`: vsock sockets are connected by `connect()` / `createConnection()`. */
export function reconnectUnsupported(): never {
  throw new VmciError(
    'ERR_VMCI_UNSUPPORTED',
    'a vsock socket cannot connect() again: open a new one with connect() or createConnection() from @vmci/sockets',
  );
}

/**
 * Adds `connect` (throws), `autoSelectFamilyAttemptedAddresses` (empty) and `bufferSize`
 * (`writableLength`) to a Duplex-based socket class; the class `declare`s them for the types.
 */
export function addNetSocketMembers(prototype: { readonly writableLength: number }): void {
  Object.defineProperties(prototype, {
    connect: { value: reconnectUnsupported, configurable: true, writable: true },
    autoSelectFamilyAttemptedAddresses: { get: () => [], configurable: true },
    bufferSize: {
      get(this: { readonly writableLength: number }) {
        return this.writableLength;
      },
      configurable: true,
    },
  });
}
