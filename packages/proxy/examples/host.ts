import { createProxyLog, startProxy } from '@vmci/proxy';

// On the host: TCP port 8080 on localhost reaches vsock port 80 of VM 3 (the kernel transport),
// one JSON log line per event on stderr, until SIGTERM.
const proxy = await startProxy({
  from: 'tcp:127.0.0.1:8080',
  to: 'vsock:3:80',
  allow: ['vsock:3:80'],
  maxConnections: 64,
  onEvent: createProxyLog({ write: (line) => process.stderr.write(line) }),
});
process.once('SIGTERM', () => proxy.close());
