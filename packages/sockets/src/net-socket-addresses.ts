/**
 * Address properties for the backends that are genuine `net.Socket`s (kernel pipe, hybrid): net
 * defines `remoteAddress`, `remoteFamily`, `localAddress` and `localFamily` as prototype getters
 * that ask the handle for an IP address (empty for a pipe handle); these report the vsock ones.
 */
import { VSOCK_FAMILY, vsockHost } from './address.js';

/**
 * Property descriptors for `Object.defineProperties(socket, …)`, or for a class's prototype (the
 * CID functions are then given the socket the getter runs on); undefined once destroyed.
 */
export function vsockAddressProperties<S extends { destroyed: boolean }>(
  remoteCid: (socket: S) => number,
  localCid: (socket: S) => number,
): PropertyDescriptorMap {
  const whileOpen = <T>(value: (socket: S) => T) =>
    function (this: S) {
      return this.destroyed ? undefined : value(this);
    };
  return {
    remoteAddress: { get: whileOpen((s) => vsockHost(remoteCid(s))), configurable: true },
    remoteFamily: { get: whileOpen(() => VSOCK_FAMILY), configurable: true },
    localAddress: { get: whileOpen((s) => vsockHost(localCid(s))), configurable: true },
    localFamily: { get: whileOpen(() => VSOCK_FAMILY), configurable: true },
  };
}
