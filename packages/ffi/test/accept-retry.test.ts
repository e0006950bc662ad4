/**
 * acceptConnection retries what libuv retries for `net` (EINTR, ECONNABORTED), returns null on
 * EAGAIN and throws everything else — with an injected accept4 (no vsock connection on the host).
 */
import { constants } from 'node:os';
import { beforeEach, describe, expect, it, vi } from 'vitest';

const script: number[] = [];
let lastErrno = 0;
const accept4 = vi.fn((_fd: number, address: Buffer) => {
  const next = script.shift();
  if (next === undefined) throw new Error('accept4 called more often than scripted');
  if (next >= 0) {
    encodeSockaddrVm({ cid: 7, port: 1000 + next }).copy(address);
    return next;
  }
  lastErrno = -next;
  return -1;
});

vi.mock('../src/libc.js', () => ({
  getLibc: () => ({ accept4, errno: () => lastErrno }),
}));

const { acceptConnection } = await import('../src/socket.js');
const { encodeSockaddrVm } = await import('../src/sockaddr.js');

const E = constants.errno;

describe('acceptConnection and transient errnos', () => {
  beforeEach(() => {
    script.length = 0;
    accept4.mockClear();
  });

  it('retries EINTR until the connection comes', () => {
    script.push(-E.EINTR, -E.EINTR, -E.EINTR, 42);
    expect(acceptConnection(3)).toMatchObject({ fd: 42, address: { cid: 7, port: 1042 } });
    expect(accept4).toHaveBeenCalledTimes(4);
  });

  it('skips ECONNABORTED (that connection is gone) and takes the next', () => {
    script.push(-E.ECONNABORTED, 43);
    expect(acceptConnection(3)).toMatchObject({ fd: 43 });
  });

  it('returns null on EAGAIN, also after an EINTR', () => {
    script.push(-E.EINTR, -E.EAGAIN);
    expect(acceptConnection(3)).toBeNull();
  });

  it('throws EMFILE as a typed error (the server decides what to do)', () => {
    script.push(-E.EMFILE);
    expect(() => acceptConnection(3)).toThrowError(
      expect.objectContaining({ code: 'EMFILE', syscall: 'accept4' }),
    );
  });
});
