/**
 * The proxy's log lines: JSON by default, text for people, errors only when quiet.
 */
import { describe, expect, it } from 'vitest';
import { createProxyLog, type ProxyLogOptions } from '../src/log.js';

const time = new Date('2026-05-01T12:00:00.000Z');

function lines(options: Omit<ProxyLogOptions, 'write' | 'now'> = {}) {
  const out: string[] = [];
  const log = createProxyLog({ ...options, write: (line) => out.push(line), now: () => time });
  return { log, out };
}

describe('createProxyLog', () => {
  it('writes one JSON object per line with time, level and event first', () => {
    const { log, out } = lines();
    log({
      event: 'closed',
      id: 7,
      from: 'tcp:127.0.0.1:50514',
      to: 'vsock:3:80',
      bytesIn: 12,
      bytesOut: 3400,
      durationMs: 41,
      reason: 'done',
    });
    expect(out).toEqual([
      '{"time":"2026-05-01T12:00:00.000Z","level":"info","event":"closed","id":7,"from":"tcp:127.0.0.1:50514","to":"vsock:3:80","bytesIn":12,"bytesOut":3400,"durationMs":41,"reason":"done"}\n',
    ]);
  });

  it('levels: refused and denied warn, error is error', () => {
    const { log, out } = lines();
    log({ event: 'refused', reason: 'limit' });
    log({ event: 'denied' });
    log({ event: 'error', code: 'ECONNREFUSED' });
    expect(out.map((line) => JSON.parse(line).level)).toEqual(['warn', 'warn', 'error']);
  });

  it('writes text as time, level, event, #id and key=value pairs', () => {
    const { log, out } = lines({ format: 'text' });
    log({
      event: 'error',
      id: 3,
      to: 'tcp:10.0.0.5:443',
      code: 'ECONNREFUSED',
      message: 'connection refused (nothing listens there)',
    });
    expect(out).toEqual([
      '2026-05-01T12:00:00.000Z error error #3 to=tcp:10.0.0.5:443 code=ECONNREFUSED message="connection refused (nothing listens there)"\n',
    ]);
  });

  it('keeps only errors when quiet', () => {
    const { log, out } = lines({ quiet: true });
    log({ event: 'listening', from: 'tcp:127.0.0.1:8080' });
    log({ event: 'denied', id: 1 });
    log({ event: 'error', id: 2, code: 'ETIMEDOUT' });
    expect(out.map((line) => JSON.parse(line).event)).toEqual(['error']);
  });
});
