/**
 * This end's address is read when first asked for, not when a connection is wrapped (host kernel:
 * create and bind only — nothing here connects).
 */
import { bindSocket, closeSocket, createSocket, localAddress } from '@vmci/ffi';
import { afterEach, describe, expect, it } from 'vitest';
import { FdChannel } from '../src/kernel/fd-channel.js';
import { lazyLocalAddress } from '../src/kernel/transport.js';

const CID_ANY = 0xffffffff;
const open: number[] = [];
const socket = () => {
  const fd = createSocket('stream');
  open.push(fd);
  return fd;
};
afterEach(() => {
  for (const fd of open.splice(0)) {
    try {
      closeSocket(fd);
    } catch {
      // closed by the test
    }
  }
});

describe('lazyLocalAddress', () => {
  it('reads the address at the first ask, not when it is made', () => {
    const fd = socket();
    const local = lazyLocalAddress(fd);
    bindSocket(fd, { cid: CID_ANY, port: CID_ANY }); // the kernel picks a port only now
    const { port } = localAddress(fd);
    expect(port).not.toBe(CID_ANY);
    expect(local().port).toBe(port);
  });

  it('keeps what it read (no second syscall: it still answers once the descriptor is closed)', () => {
    const fd = socket();
    bindSocket(fd, { cid: CID_ANY, port: CID_ANY });
    const local = lazyLocalAddress(fd);
    const first = local();
    closeSocket(fd);
    expect(local()).toBe(first);
  });
});

describe('FdChannel.local', () => {
  it('asks only while the channel is open', () => {
    const fd = socket();
    bindSocket(fd, { cid: CID_ANY, port: CID_ANY });
    let asked = 0;
    const channel = new FdChannel(
      fd,
      () => {
        asked++;
        return { cid: 1, port: 7 };
      },
      { cid: 2, port: 9 },
    );
    expect(asked).toBe(0);
    expect(channel.local).toEqual({ cid: 1, port: 7 });
    expect(asked).toBe(1);
    channel.close();
    expect(() => channel.local).toThrow(
      expect.objectContaining({ code: 'ERR_VMCI_SOCKET_CLOSED' }),
    );
    expect(asked).toBe(1);
  });
});
