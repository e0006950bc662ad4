/**
 * Ports as the command line takes them.
 */
import { PORT_ANY, resolvePort } from '@vmci/sockets';

/**
 * Port 0 means "pick a free port", as in every other network tool — for the kernel, port 0 is an
 * ordinary (privileged) vsock port, and "pick one" is VMADDR_PORT_ANY.
 */
export function pickAnyForZero(port: number): number {
  return port === 0 ? PORT_ANY : port;
}

/** A port to listen on, from text: a number (`0` picks a free one) or `any`. */
export function listenPort(text: string): number {
  if (text.toLowerCase() === 'any') return PORT_ANY;
  return pickAnyForZero(resolvePort(text, 'port'));
}
