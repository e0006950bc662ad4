import { createServer } from '@vmci/sockets';

// An ordinary guest service: no transport option, no testkit import. VMCI_TRANSPORT decides.
const server = createServer((socket) => socket.end('ok\n'));
await server.listenAsync({ port: 5000 });
console.log('listening on 5000');
