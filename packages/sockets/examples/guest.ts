import http from 'node:http';
import { connect, VsockAgent } from '@vmci/sockets';

// HTTP to vsock host:8080; the URL's host is just the Host header.
const agent = new VsockAgent({ cid: 'host', port: 8080, keepAlive: true });
http.get({ agent, host: 'agent.local', path: '/status' }, (res) => res.pipe(process.stdout));

// Raw streams, like net: a promise of a connected socket.
const socket = await connect({
  cid: 'host',
  port: 5000,
  connectTimeout: 1000,
  signal: AbortSignal.timeout(5000),
});
socket.pipe(process.stdout);
socket.end('ping\n');
