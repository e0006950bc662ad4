/**
 * The transport used when an API call names none: the kernel, created on first use.
 */
import { KernelTransport } from './kernel/transport.js';
import type { Transport } from './transport.js';

let kernel: Transport | undefined;

export function defaultTransport(): Transport {
  kernel ??= new KernelTransport();
  return kernel;
}
