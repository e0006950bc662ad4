/**
 * Test helper (host and VM suites): the descriptors a test opens are closed after it, whatever it
 * asserted, so one failure does not leak sockets into the next test.
 */
import { afterEach } from 'vitest';
import { closeSocket } from '../../src/index.js';

/**
 * Registers an `afterEach` that closes every descriptor `track` was given (in the order given);
 * `close` closes one early and forgets it. Call once per test file, at its top level.
 */
export function trackDescriptors(): { track: (fd: number) => number; close: (fd: number) => void } {
  const open = new Set<number>();
  afterEach(() => {
    for (const fd of open) closeSocket(fd);
    open.clear();
  });
  return {
    track: (fd) => {
      open.add(fd);
      return fd;
    },
    close: (fd) => {
      open.delete(fd);
      closeSocket(fd);
    },
  };
}
