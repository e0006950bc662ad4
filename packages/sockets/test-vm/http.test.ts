/**
 * HTTP/1.1 and TLS over vsock on the real kernel (both backends): Node's own http and tls on top.
 */
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { requireHarnessGuest } from '@vmci/ffi/harness';
import { afterEach, describe, expect, it } from 'vitest';
import {
  connect,
  KernelTransport,
  serveOverVsock,
  VsockAgent,
  type VsockServer,
} from '../src/index.js';

requireHarnessGuest();

function selfSigned(): { key: Buffer; cert: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'vsock-tls-'));
  const result = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=vsock.test',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { encoding: 'utf8' },
  );
  if (result.status !== 0) throw new Error(`openssl failed: ${result.stderr}`);
  return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
}

describe.each(['pipe', 'poll'] as const)('interop over vsock (%s backend)', (backend) => {
  const transport = new KernelTransport({ backend });
  const closers: (() => void)[] = [];
  afterEach(() => {
    for (const close of closers.splice(0)) close();
  });

  async function listening(vsock: VsockServer) {
    closers.push(() => vsock.close());
    await once(vsock, 'listening');
    return (vsock.address() as { port: number }).port;
  }

  it('serves HTTP/1.1 with keep-alive to an http.Agent', async () => {
    const server = http.createServer((req, res) =>
      res.end(`${req.method} ${req.url} via vsock from ${req.socket.remoteAddress}`),
    );
    closers.push(() => server.close());
    const port = await listening(serveOverVsock(server, { transport }));
    const agent = new VsockAgent({ cid: 'local', port, transport, keepAlive: true });
    closers.push(() => agent.destroy());
    const get = (path: string) =>
      new Promise<string>((resolve, reject) => {
        http
          .get({ agent, host: 'service.vsock', path }, (res) => {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (chunk) => {
              body += chunk;
            });
            res.on('end', () => resolve(`${res.statusCode} ${body}`));
          })
          .on('error', reject);
      });
    expect(await get('/one')).toBe('200 GET /one via vsock from vsock:1');
    expect(await get('/two')).toBe('200 GET /two via vsock from vsock:1');
  });

  it('speaks TLS over a vsock stream', async () => {
    const { key, cert } = selfSigned();
    const tlsServer = tls.createServer({ key, cert }, (socket) => socket.end('secret hello'));
    closers.push(() => tlsServer.close());
    const port = await listening(serveOverVsock(tlsServer, { transport }));
    const raw = await connect({ cid: 'local', port, transport });
    const secure = tls.connect({ socket: raw, ca: cert, servername: 'vsock.test' });
    let text = '';
    secure.setEncoding('utf8');
    secure.on('data', (chunk) => {
      text += chunk;
    });
    await once(secure, 'end');
    expect(secure.authorized).toBe(true);
    expect(text).toBe('secret hello');
    secure.destroy();
  });
});
