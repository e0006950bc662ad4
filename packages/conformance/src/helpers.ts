/** Small stream helpers the behaviour groups share. */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import type { VsockSocket } from '@vmci/sockets';
import { expect } from 'vitest';

/** Everything until end of stream — without destroying the socket (so it can still write). */
export function readAll(socket: VsockSocket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('end', () => resolve(Buffer.concat(chunks)));
    socket.once('error', reject);
  });
}

/**
 * Resolves on the socket's 'close', or at once when it has already closed: a peer's reset can
 * close a socket before the test gets to listen, on a loaded machine or across processes.
 */
export function closedOf(socket: VsockSocket): Promise<unknown> {
  return (socket as { closed?: boolean }).closed ? Promise.resolve() : once(socket, 'close');
}

/** 'close' and its argument (events.once would reject on an 'error' that came first). */
export const closeOf = (socket: {
  once(event: 'close', listener: (hadError: boolean) => void): unknown;
}) => new Promise<boolean>((resolve) => socket.once('close', resolve));

/** The SHA-256 of `data`, in hex. */
export const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** An asymmetric matcher for an error with this `code`. */
export const code = (value: string) => expect.objectContaining({ code: value });
