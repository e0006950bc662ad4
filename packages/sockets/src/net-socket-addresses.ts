/**
 * Address properties for the backends that are genuine `net.Socket`s (kernel pipe, hybrid): net
 * defines `remoteAddress`, `remoteFamily`, `localAddress` and `localFamily` as prototype getters
 * that ask the handle for an IP address (empty for a pipe handle); these report the vsock ones.
 */
import { VSOCK_FAMILY, vsockHost } from './address.js';

/** Property descriptors for `Object.defineProperties(socket, …)`; undefined once destroyed. */
export function vsockAddressProperties(
  remoteCid: () => number,
  localCid: () => number,
): PropertyDescriptorMap {
  const whileOpen = <T>(value: (socket: { destroyed: boolean }) => T) =>
    function (this: { destroyed: boolean }) {
      return this.destroyed ? undefined : value(this);
    };
  return {
    remoteAddress: { get: whileOpen(() => vsockHost(remoteCid())), configurable: true },
    remoteFamily: { get: whileOpen(() => VSOCK_FAMILY), configurable: true },
    localAddress: { get: whileOpen(() => vsockHost(localCid())), configurable: true },
    localFamily: { get: whileOpen(() => VSOCK_FAMILY), configurable: true },
  };
}
