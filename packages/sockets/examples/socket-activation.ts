import { createServer, systemdListenFds } from '@vmci/sockets';

const [activated] = systemdListenFds(); // [] when not socket-activated
createServer((socket) => socket.pipe(socket)).listen(
  activated ? { fd: activated.fd } : { port: 5000 },
);
