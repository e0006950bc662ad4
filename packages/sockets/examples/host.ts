import http from 'node:http';
import { createServer, serveOverVsock } from '@vmci/sockets';

// Any http.Server (or tls/ws server) over vsock port 8080.
const api = http.createServer((req, res) => res.end(`hello from the host: ${req.url}\n`));
serveOverVsock(api, { port: 8080 });

// Raw streams, like net: an echo service on vsock port 5000.
const echo = createServer((socket) => socket.pipe(socket));
echo.listen({ port: 5000 }, () => console.log('echo on', echo.address()));
