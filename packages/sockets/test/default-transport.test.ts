/**
 * The default transport is settable: what `connect()` & co. use when given no `transport:`.
 * (A stub transport stands in: nothing here reaches the kernel.)
 */
import { describe, expect, it } from 'vitest';
import {
  connect,
  defaultTransport,
  setDefaultTransport,
  type Transport,
  type TransportConnectRequest,
  withDefaultTransport,
} from '../src/index.js';

function stubTransport(name: string): Transport & { connects: TransportConnectRequest[] } {
  const connects: TransportConnectRequest[] = [];
  const refuse = async () => {
    throw Object.assign(new Error(`${name} refuses`), { code: 'ESTUB' });
  };
  return {
    name,
    connects,
    localCid: () => 3,
    connect: async (request) => {
      connects.push(request);
      return refuse();
    },
    listen: refuse,
    connectSeqpacket: refuse,
    listenSeqpacket: refuse,
    bindDatagram: refuse,
  };
}

describe('setDefaultTransport', () => {
  it('sends a call without transport: to the installed default', async () => {
    const stub = stubTransport('stub');
    const previous = setDefaultTransport(stub);
    try {
      await expect(connect({ cid: 'host', port: 5000 })).rejects.toMatchObject({ code: 'ESTUB' });
      expect(stub.connects).toMatchObject([{ cid: 2, port: 5000 }]);
    } finally {
      setDefaultTransport(previous);
    }
  });

  it('returns the default it replaced, so it can be restored', () => {
    const a = stubTransport('a');
    const b = stubTransport('b');
    const before = setDefaultTransport(a);
    expect(setDefaultTransport(b)).toBe(a);
    expect(defaultTransport()).toBe(b);
    expect(setDefaultTransport(before)).toBe(b);
  });
});

describe('withDefaultTransport', () => {
  it('restores the previous default once the async body settles', async () => {
    const outer = stubTransport('outer');
    const inner = stubTransport('inner');
    const before = setDefaultTransport(outer);
    try {
      const seen = withDefaultTransport(inner, async () => {
        await Promise.resolve();
        return defaultTransport();
      });
      expect(defaultTransport()).toBe(inner);
      expect(await seen).toBe(inner);
      expect(defaultTransport()).toBe(outer);
    } finally {
      setDefaultTransport(before);
    }
  });

  it('restores the previous default when the body throws', () => {
    const outer = stubTransport('outer');
    const before = setDefaultTransport(outer);
    try {
      expect(() =>
        withDefaultTransport(stubTransport('inner'), () => {
          throw new Error('boom');
        }),
      ).toThrow('boom');
      expect(defaultTransport()).toBe(outer);
    } finally {
      setDefaultTransport(before);
    }
  });
});
