/**
 * Type-level test (compiled by `pnpm typecheck`, never run): a hybrid vsock socket goes where
 * `net`-typed APIs want a socket, and where `@vmci/sockets` wants a VsockSocket — without casts.
 */
import type net from 'node:net';
import type { VsockSocket } from '@vmci/sockets';
import type { HybridVsockSocket } from '../src/index.js';

declare const hybridSocket: HybridVsockSocket;

export const asNetSocket: net.Socket = hybridSocket;
export const asVsockSocket: VsockSocket = hybridSocket;
