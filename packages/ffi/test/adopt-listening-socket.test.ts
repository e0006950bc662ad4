/**
 * Taking over a listening socket someone else opened (systemd socket activation). Create, bind
 * and listen only: nothing connects on this machine.
 */
import { closeSync, openSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  adoptListeningSocket,
  bindSocket,
  libcConstants as C,
  createSocket,
  descriptorFlags,
  listenSocket,
  VMADDR_CID_ANY,
  VMADDR_PORT_ANY,
} from '../src/index.js';
import { getLibc } from '../src/libc.js';
import { trackDescriptors } from './helpers/descriptors.js';

const { track } = trackDescriptors();

/** A socket as systemd hands it over: blocking, inheritable. */
function plainSocket(family: number, type: number): number {
  const fd = getLibc().socket(family, type, 0);
  expect(fd).toBeGreaterThanOrEqual(0);
  track(fd);
  return fd;
}

const any = { cid: VMADDR_CID_ANY, port: VMADDR_PORT_ANY };

describe('adoptListeningSocket', () => {
  it('makes a blocking, inheritable listening vsock socket non-blocking and close-on-exec', () => {
    const fd = plainSocket(C.AF_VSOCK, C.SOCK_STREAM);
    bindSocket(fd, any);
    listenSocket(fd);
    expect(descriptorFlags(fd)).toEqual({ closeOnExec: false, nonBlocking: false });
    adoptListeningSocket(fd, 'stream');
    expect(descriptorFlags(fd)).toEqual({ closeOnExec: true, nonBlocking: true });
  });

  it('refuses a socket that is bound but not listening', () => {
    const fd = createSocket('stream');
    track(fd);
    bindSocket(fd, any);
    expect(() => adoptListeningSocket(fd, 'stream')).toThrow(
      expect.objectContaining({
        code: 'ERR_VMCI_INVALID_DESCRIPTOR',
        message: expect.stringContaining(`descriptor ${fd} is not listening`),
      }),
    );
  });

  it('refuses a listening socket of another type', () => {
    const fd = createSocket('seqpacket');
    track(fd);
    bindSocket(fd, any);
    listenSocket(fd);
    expect(() => adoptListeningSocket(fd, 'stream')).toThrow(/is a socket of type 5, not stream/);
  });

  it('refuses a socket of another address family', () => {
    const fd = plainSocket(1 /* AF_UNIX */, C.SOCK_STREAM);
    expect(() => adoptListeningSocket(fd, 'stream')).toThrow(
      /is a socket of address family 1, not AF_VSOCK \(40\)/,
    );
  });

  it('refuses a descriptor that is not a socket', () => {
    const fd = openSync('/dev/null', 'r');
    try {
      expect(() => adoptListeningSocket(fd, 'stream')).toThrow(/is not a socket/);
    } finally {
      closeSync(fd);
    }
  });

  it('refuses a descriptor that is not open', () => {
    const fd = openSync('/dev/null', 'r');
    closeSync(fd);
    expect(() => adoptListeningSocket(fd, 'stream')).toThrow(/is not open/);
  });
});
