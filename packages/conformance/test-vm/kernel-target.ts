/**
 * The kernel target both VM runs use (conformance and kernel parity): one KernelTransport per
 * backend, the loopback CID 1, and this process's open descriptors as the resource count.
 */
import { readdirSync } from 'node:fs';
import { KernelTransport } from '@vmci/sockets';
import type { ConformanceSetup } from '../src/index.js';

/** The kernel's backends: A (`pipe`, libuv pipe_wrap) and B (`poll`, koffi's node.poll). */
export const backends = ['pipe', 'poll'] as const;

const openDescriptors = () => readdirSync('/proc/self/fd').length;

/** A setup on the real kernel (vsock_loopback, CID 1) through `backend`. */
export function kernelTarget(backend: (typeof backends)[number]): ConformanceSetup {
  const transport = new KernelTransport({ backend });
  return () => ({
    server: transport,
    client: transport,
    serverCid: 1,
    unreachableCid: 4242,
    unreachableCodes: ['ENODEV', 'ETIMEDOUT', 'EHOSTUNREACH', 'ECONNRESET'],
    openResources: openDescriptors,
  });
}
