import { connect, createServer } from '@vmci/sockets';
import { createHypervisor } from '@vmci/testkit';

const hv = createHypervisor({ seed: 1 });
const guest = hv.addVM({ cid: 3 });

// A host agent…
const agent = createServer({ transport: hv.host.transport }, (socket) => socket.end('config v1\n'));
const { port } = await agent.listenAsync({ port: 9999 });

// …and the guest service that calls it, unchanged except for the transport.
const socket = await connect({ cid: 'host', port, transport: guest.transport });
socket.pipe(process.stdout);
