/**
 * Endpoint syntax: vsock:[CID:]PORT, tcp:[HOST:]PORT, unix:PATH, for listening and connecting.
 */
import { resolve } from 'node:path';
import { CID_ANY } from '@vmci/sockets';
import { describe, expect, it } from 'vitest';
import { formatEndpoint, parseEndpoint, sameEndpoint } from '../src/endpoint.js';

describe('parseEndpoint', () => {
  it('reads vsock with a number or a named CID', () => {
    expect(parseEndpoint('vsock:3:5000', 'connect')).toEqual({ kind: 'vsock', cid: 3, port: 5000 });
    expect(parseEndpoint('vsock:host:1024', 'connect')).toEqual({
      kind: 'vsock',
      cid: 2,
      port: 1024,
    });
  });

  it('listens on any CID when vsock has none', () => {
    expect(parseEndpoint('vsock:8000', 'listen')).toEqual({
      kind: 'vsock',
      cid: CID_ANY,
      port: 8000,
    });
  });

  it('listens on 127.0.0.1 when tcp has no host', () => {
    expect(parseEndpoint('tcp:8080', 'listen')).toEqual({
      kind: 'tcp',
      host: '127.0.0.1',
      port: 8080,
    });
  });

  it('reads IPv6 in brackets and normalises it', () => {
    expect(parseEndpoint('tcp:[0:0::1]:443', 'connect')).toEqual({
      kind: 'tcp',
      host: '::1',
      port: 443,
    });
    expect(formatEndpoint(parseEndpoint('tcp:[::1]:443', 'connect'))).toBe('tcp:[::1]:443');
  });

  it('keeps an IPv6 zone', () => {
    expect(parseEndpoint('tcp:[FE80::1%eth0]:22', 'connect')).toMatchObject({
      host: 'fe80::1%eth0',
    });
  });

  it('lower-cases host names', () => {
    expect(parseEndpoint('tcp:KMS.Internal:443', 'connect')).toMatchObject({
      host: 'kms.internal',
    });
  });

  it('resolves a relative unix path', () => {
    expect(parseEndpoint('unix:agent.sock', 'listen')).toEqual({
      kind: 'unix',
      path: resolve('agent.sock'),
    });
  });

  it.each([
    ['vsock:80', 'needs a CID'],
    ['vsock:any:80', 'cannot connect to CID any'],
    ['tcp:443', 'needs a host'],
    ['tcp:10.0.0.5:0', 'cannot connect to port 0'],
  ])('refuses %s where to connect (%s)', (text, problem) => {
    expect(() => parseEndpoint(text, 'connect', 'vmci proxy: --to')).toThrow(problem);
  });

  it.each([
    ['http://x:80', 'expected vsock:[CID:]PORT, tcp:[HOST:]PORT or unix:PATH'],
    ['8080', 'expected vsock:[CID:]PORT'],
    ['vsock:3:80:1', 'expected vsock:[CID:]PORT'],
    ['vsock:guest:80', 'cid must be a number or one of'],
    ['vsock:3:-1', 'expected vsock://CID:PORT, vsock:CID:PORT or CID:PORT'],
    ['tcp:::1:443', 'IPv6 addresses go in brackets'],
    ['tcp:[::1:443', 'with the address in brackets'],
    ['tcp:127.0.0.1:65536', 'the TCP port must be a whole number from 0 to 65535'],
    ['tcp:bad_host!:80', 'is not an IP address or a host name'],
    ['tcp:999.1.1.1:80', 'is not an IP address or a host name'],
    ['unix:', 'expected unix:PATH'],
    [`unix:/${'x'.repeat(120)}`, 'at most 107 fit'],
  ])('refuses %s with a sentence', (text, problem) => {
    let error: unknown;
    try {
      parseEndpoint(text, 'listen', 'vmci proxy: --from');
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ code: 'ERR_VMCI_INVALID_ARGUMENT', exitCode: 2 });
    expect((error as Error).message).toContain(`vmci proxy: --from '${text}': `);
    expect((error as Error).message).toContain(problem);
  });
});

describe('formatEndpoint', () => {
  it('writes every kind back in the syntax it was read in', () => {
    for (const text of ['vsock:3:80', 'vsock:any:80', 'tcp:10.0.0.5:443', 'unix:/run/a.sock'])
      expect(formatEndpoint(parseEndpoint(text, 'listen'))).toBe(text);
  });
});

describe('sameEndpoint (a proxy that would connect to itself)', () => {
  const from = (text: string) => parseEndpoint(text, 'listen', 'from');
  const to = (text: string) => parseEndpoint(text, 'connect', 'to');

  it.each([
    ['vsock:5000', 'vsock:local:5000'],
    ['vsock:5000', 'vsock:3:5000'],
    ['vsock:3:5000', 'vsock:3:5000'],
    ['vsock:3:5000', 'vsock:local:5000'],
    ['tcp:0.0.0.0:8080', 'tcp:127.0.0.1:8080'],
    ['tcp:127.0.0.1:8080', 'tcp:127.0.0.1:8080'],
    ['unix:/run/a.sock', 'unix:/run/a.sock'],
  ])('%s → %s loops (this machine is CID 3)', (a, b) => {
    expect(sameEndpoint(from(a), to(b), 3)).toBe(true);
  });

  it.each([
    ['vsock:5000', 'vsock:4:5000'],
    ['vsock:5000', 'vsock:local:5001'],
    ['vsock:4:5000', 'vsock:local:5000'],
    ['tcp:127.0.0.1:8080', 'tcp:10.0.0.5:8080'],
    ['tcp:0.0.0.0:8080', 'vsock:local:8080'],
  ])('%s → %s does not loop (this machine is CID 3)', (a, b) => {
    expect(sameEndpoint(from(a), to(b), 3)).toBe(false);
  });
});
