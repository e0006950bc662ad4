/**
 * One readiness wait on a descriptor for the kernel's message and datagram channels: the callback
 * runs unless the channel closed meanwhile (closing rejects the wait, which needs no report).
 */
import { waitFor } from '@vmci/ffi';

export function waitOnce(
  fd: number,
  interest: 'readable' | 'writable',
  isClosed: () => boolean,
  callback: () => void,
): void {
  if (isClosed()) return;
  waitFor(fd, interest === 'readable' ? { readable: true } : { writable: true }).then(
    () => {
      if (!isClosed()) callback();
    },
    () => {},
  );
}
