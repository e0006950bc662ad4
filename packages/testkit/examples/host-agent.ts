/**
 * A tiny example app: a host agent that hands guests their configuration over vsock, and the
 * guest service that fetches it at boot (retrying while the agent is not up yet). Nothing here
 * knows about the testkit: the transport is a parameter, as in production code.
 */
import { connect, createServer, type Transport, type VsockServer } from '@vmci/sockets';

export const AGENT_PORT = 7000;

/** Host side: answers `GET <name>\n` with that guest's JSON config. */
export function startHostAgent(
  configs: Record<number, object>,
  transport?: Transport,
): Promise<VsockServer> {
  const server = createServer(transport ? { transport } : {}, (socket) => {
    socket.setEncoding('utf8');
    let request = '';
    socket.on('error', () => {});
    socket.on('data', (chunk: string) => {
      request += chunk;
      if (!request.includes('\n')) return;
      const config = configs[socket.remoteCid ?? -1];
      socket.end(config ? `${JSON.stringify(config)}\n` : 'ERR unknown guest\n');
    });
  });
  return server.listenAsync({ port: AGENT_PORT }).then(() => server);
}

/** Guest side: fetches its config from the host agent, retrying refused connects. */
export async function fetchGuestConfig(
  options: { transport?: Transport; attempts?: number; retryDelayMs?: number } = {},
): Promise<object> {
  const attempts = options.attempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    try {
      const socket = await connect({
        cid: 'host',
        port: AGENT_PORT,
        connectTimeout: 1000,
        ...(options.transport ? { transport: options.transport } : {}),
      });
      socket.setEncoding('utf8');
      socket.end('GET config\n');
      let reply = '';
      for await (const chunk of socket) reply += chunk;
      if (reply.startsWith('ERR')) throw new Error(`the host agent said: ${reply.trim()}`);
      return JSON.parse(reply) as object;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (attempt >= attempts || (code !== 'ECONNRESET' && code !== 'ETIMEDOUT')) throw error;
      await new Promise((resolve) => setTimeout(resolve, options.retryDelayMs ?? 100));
    }
  }
}
