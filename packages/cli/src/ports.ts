/**
 * Ports as the command line takes them.
 */
import { PORT_ANY, resolvePort } from '@vmci/sockets';

/**
 * A port to listen on. `0` and `any` pick a free port, as in every other network tool — for the
 * kernel, port 0 is an ordinary (privileged) vsock port, and "pick one" is VMADDR_PORT_ANY.
 */
export function listenPort(text: string): number {
  if (text === '0' || text.toLowerCase() === 'any') return PORT_ANY;
  return resolvePort(text, 'port');
}
