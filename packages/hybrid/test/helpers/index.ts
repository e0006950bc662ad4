/**
 * The hybrid transport's test helpers that other packages' tests use too (the conformance suite
 * runs against the fake muxer): `@vmci/hybrid/test-helpers`, a workspace-only subpath (not in
 * `publishConfig.exports`, not in the tarball). Unix sockets only, never AF_VSOCK.
 */
export { HybridGuestTransport } from './hybrid-guest-transport.js';
export { type FakeMuxer, startFakeMuxer } from './hybrid-muxer.js';
