/**
 * The transport used when an API call names none: the kernel, created on first use — unless a
 * default was set with {@link setDefaultTransport} (the testkit does so while a virtual hypervisor
 * is in charge of a test, so a forgotten `transport:` cannot reach a real hypervisor), or the
 * environment variable `VMCI_TRANSPORT` names another (see `transport-setting.ts`).
 */
import { KernelTransport } from './kernel/transport.js';
import type { Transport } from './transport.js';
import { transportFromSetting } from './transport-setting.js';

let kernel: Transport | undefined;
let installed: Transport | undefined;
let fromEnvironment: { value: string; transport: Transport | undefined } | undefined;

/**
 * The transport `connect()`, `createServer()` & co. use when given no `transport:` option. Throws
 * when `VMCI_TRANSPORT` is malformed or unreachable — it never falls back to the kernel.
 */
export function defaultTransport(): Transport {
  if (installed) return installed;
  const value = process.env.VMCI_TRANSPORT ?? '';
  if (fromEnvironment?.value !== value)
    fromEnvironment = { value, transport: transportFromSetting(value) };
  if (fromEnvironment.transport) return fromEnvironment.transport;
  kernel ??= new KernelTransport();
  return kernel;
}

/**
 * Makes `transport` the default for calls without a `transport:` option (`undefined` goes back to
 * the kernel). Returns the default it replaced (`undefined` for the kernel), to restore it.
 */
export function setDefaultTransport(transport: Transport | undefined): Transport | undefined {
  const previous = installed;
  installed = transport;
  return previous;
}

/**
 * Runs `body` with `transport` as the default, then restores the previous one (also when `body`
 * throws or its promise rejects). The default is process-wide: calls made by concurrent work
 * during `body` see it too.
 */
export function withDefaultTransport<T>(transport: Transport, body: () => T): T {
  const previous = setDefaultTransport(transport);
  let result: T;
  try {
    result = body();
  } catch (error) {
    setDefaultTransport(previous);
    throw error;
  }
  if (result instanceof Promise) {
    return result.finally(() => setDefaultTransport(previous)) as T;
  }
  setDefaultTransport(previous);
  return result;
}
