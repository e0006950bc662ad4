/**
 * An echo server on a transport for the hypervisor and fault tests: resets are the point of some
 * tests, so its sockets swallow their errors.
 */
import { createServer, type Transport } from '@vmci/sockets';

/** Listens on a free port of `transport` and echoes every stream back. */
export async function echoServer(transport: Transport) {
  const server = createServer({ transport }, (socket) => {
    // Resets are the point of some tests: the server side sees them too.
    socket.on('error', () => {});
    socket.pipe(socket);
  });
  const { port } = await server.listenAsync();
  return { server, port };
}
