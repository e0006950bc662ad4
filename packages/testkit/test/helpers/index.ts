/**
 * The testkit's test helpers that other packages' tests use too (the conformance suite runs across
 * processes against a served hypervisor): `@vmci/testkit/test-helpers`, a workspace-only subpath
 * (not in `publishConfig.exports`, not in the tarball).
 */
export { childHangGuardMs, childTestTimeoutMs } from './child.js';
export { type ServedHypervisor, startServedHypervisor } from './served.js';
