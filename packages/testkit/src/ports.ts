/**
 * The keys of an endpoint's port table.
 */

/**
 * Where a port lives: like the kernel, STREAM and SEQPACKET share one port space (a SEQPACKET
 * listener cannot take a port a STREAM listener holds, and the other way round); datagram ports
 * are a space of their own.
 */
export function portKey(kind: string, port: number): string {
  return `${kind === 'dgram' ? 'dgram' : 'connectible'}:${port}`;
}
