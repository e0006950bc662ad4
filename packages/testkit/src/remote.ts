/**
 * @vmci/testkit/remote — join a hypervisor that another process serves (`hypervisor.serve(path)`,
 * `vmci-testkit serve`). `@vmci/sockets` loads it for `VMCI_TRANSPORT=testkit:<path>?cid=<cid>`.
 */
export { RemoteTransport, type RemoteTransportOptions } from './remote/client.js';
export type { HypervisorServer } from './remote/serve.js';
