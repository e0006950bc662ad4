/**
 * Which kernel backend wraps connected descriptors: A (`pipe`, libuv stream, a genuine net.Socket)
 * or B (`poll`, koffi readiness + our Duplex). Chosen once by a capability check; forced with the
 * `backend` option or `VMCI_BACKEND=pipe|poll`.
 */
import { pipeBinding } from './pipe-socket.js';

/**
 * How the kernel transport runs a descriptor: `pipe` (libuv's pipe_wrap, backend A) or `poll`
 * (koffi's libuv poll, backend B).
 */
export type KernelBackend = 'pipe' | 'poll';

let detected: { backend: KernelBackend; reason: string } | undefined;

/** The backend this process can use, and why. */
export function detectBackend(): { backend: KernelBackend; reason: string } {
  if (detected) return detected;
  const forced = process.env.VMCI_BACKEND;
  if (forced === 'pipe' || forced === 'poll') {
    detected = { backend: forced, reason: `forced by VMCI_BACKEND=${forced}` };
    return detected;
  }
  const pendingDeprecation =
    process.execArgv.includes('--pending-deprecation') ||
    /--pending-deprecation/.test(process.env.NODE_OPTIONS ?? '') ||
    process.env.NODE_PENDING_DEPRECATION === '1';
  if (pendingDeprecation && process.throwDeprecation) {
    detected = {
      backend: 'poll',
      reason: 'pending deprecations are errors (process.binding would throw)',
    };
    return detected;
  }
  try {
    pipeBinding();
    detected = { backend: 'pipe', reason: "libuv streams via process.binding('pipe_wrap')" };
  } catch (error) {
    detected = {
      backend: 'poll',
      reason: `process.binding('pipe_wrap') unavailable (${(error as Error).message})`,
    };
  }
  return detected;
}
