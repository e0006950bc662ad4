/**
 * The hand-written libc constants and the msghdr/iovec layout, compiled against the real glibc
 * headers: gcc is the oracle.
 */
import { spawnSync } from 'node:child_process';
import { expect, it } from 'vitest';
import { iovecLayout, libcConstants, msghdrLayout } from '../src/index.js';

it('matches <sys/socket.h>, <fcntl.h> and <linux/vm_sockets.h> as gcc compiles them', () => {
  const checks = Object.entries(libcConstants).map(
    ([name, value]) => `_Static_assert(${name} == ${value}, "${name}");`,
  );
  const members = ['name', 'namelen', 'iov', 'iovlen', 'control', 'controllen', 'flags'] as const;
  for (const member of members) {
    checks.push(
      `_Static_assert(offsetof(struct msghdr, msg_${member}) == ${msghdrLayout[member]}, "msg_${member}");`,
    );
  }
  checks.push(
    `_Static_assert(sizeof(struct msghdr) == ${msghdrLayout.size}, "msghdr size");`,
    `_Static_assert(sizeof(struct iovec) == ${iovecLayout.size}, "iovec size");`,
    `_Static_assert(offsetof(struct iovec, iov_len) == ${iovecLayout.length}, "iov_len");`,
  );
  const source = [
    '#define _GNU_SOURCE',
    '#include <stddef.h>',
    '#include <fcntl.h>',
    '#include <sys/socket.h>',
    '#include <sys/uio.h>',
    '#include <linux/vm_sockets.h>',
    ...checks,
    '',
  ].join('\n');
  const gcc = spawnSync('gcc', ['-std=gnu11', '-fsyntax-only', '-x', 'c', '-'], {
    input: source,
    encoding: 'utf8',
  });
  expect(gcc.stderr).toBe('');
  expect(gcc.status).toBe(0);
});
