import { HybridVsockTransport } from '@vmci/hybrid';
import { connect, createServer } from '@vmci/sockets';

// The VM was started with vsock { guest_cid: 3, uds_path: '/run/vm1/v.sock' }.
const transport = new HybridVsockTransport({ udsPath: '/run/vm1/v.sock', guestCid: 3 });

// Host → guest: the guest listens on vsock port 52.
const socket = await connect({ cid: 3, port: 52, transport, connectTimeout: 1000 });
socket.end('hello guest');

// Guest → host: the guest connects to CID 2 port 5000; this listens on /run/vm1/v.sock_5000.
const server = createServer({ transport }, (guest) => guest.pipe(guest));
server.listen({ port: 5000 });
