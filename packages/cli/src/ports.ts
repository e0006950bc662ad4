/**
 * Ports as the command line takes them.
 */
import { PORT_ANY, resolvePort } from '@vmci/sockets';

/**
 * A port to listen on, from text: a number or `any`. Port 0 means "pick a free port", as in every
 * other network tool — and as `server.listen(0)` reads it, so it passes through unchanged.
 */
export function listenPort(text: string): number {
  if (text.toLowerCase() === 'any') return PORT_ANY;
  return resolvePort(text, 'port');
}
