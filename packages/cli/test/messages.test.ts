/**
 * `listen`/`connect` with `--seqpacket` and `--dgram`: lines become messages, messages become
 * lines (or JSON with the sender), in-process on the testkit's hypervisor.
 */
import {
  connectSeqpacket,
  createDatagramSocket,
  createSeqpacketServer,
  type VsockMessageSocket,
} from '@vmci/sockets';
import { useHypervisor } from '@vmci/testkit/vitest';
import { describe, expect, it } from 'vitest';
import { main } from '../src/main.js';
import { streamIo, waitForText } from './helpers/stream-io.js';

const listeningPort = (stderr: string) => Number(/listening on .*:(\d+)/.exec(stderr)?.[1]);

describe('vmci listen/connect --seqpacket', () => {
  const hv = useHypervisor();

  it('connect sends each input line as one message and prints each reply as a line', async () => {
    const vm = hv().addVM({ cid: 3 });
    const received: string[] = [];
    const server = createSeqpacketServer({ transport: hv().host.transport }, (socket) => {
      socket.on('message', (data) => {
        received.push(data.toString());
        void socket.send(data.toString().toUpperCase());
      });
      socket.on('end', () => socket.end());
    });
    const { port } = await server.listenAsync();
    const { io, output } = streamIo('one\n\ntwo words\nthree');
    expect(
      await main(['connect', `host:${port}`, '--seqpacket'], io, { transport: vm.transport }),
    ).toBe(0);
    expect(received).toEqual(['one', 'two words', 'three']);
    expect(output()).toBe('ONE\nTWO WORDS\nTHREE\n');
    await new Promise((resolve) => server.close(resolve));
  });

  it('listen --echo returns every message with its boundary', async () => {
    const vm = hv().addVM({ cid: 3 });
    const { io, errors } = streamIo();
    const exit = main(['listen', '0', '--seqpacket', '--echo'], io, {
      transport: hv().host.transport,
    });
    await waitForText(errors, 'listening on vsock seqpacket any:');
    const socket: VsockMessageSocket = await connectSeqpacket({
      cid: 'host',
      port: listeningPort(errors()),
      transport: vm.transport,
    });
    const replies: string[] = [];
    socket.on('message', (data) => replies.push(data.toString()));
    await socket.send('a');
    await socket.send('bb');
    socket.end();
    await new Promise<void>((resolve) => socket.once('close', () => resolve()));
    expect(replies).toEqual(['a', 'bb']);
    expect(await exit).toBe(0);
  });

  it('listen --json prints each message with its sender', async () => {
    const vm = hv().addVM({ cid: 3 });
    const { io, errors, output } = streamIo('');
    const exit = main(['listen', '0', '--seqpacket', '--json'], io, {
      transport: hv().host.transport,
    });
    await waitForText(errors, 'listening on');
    const socket = await connectSeqpacket({
      cid: 'host',
      port: listeningPort(errors()),
      transport: vm.transport,
    });
    await socket.send('hello');
    await socket.send(Buffer.from([0xff, 0x00]));
    socket.end();
    expect(await exit).toBe(0);
    const lines = output()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toEqual([
      { from: { cid: 3, port: socket.localPort }, size: 5, text: 'hello' },
      { from: { cid: 3, port: socket.localPort }, size: 2, base64: '/wA=' },
    ]);
  });
});

describe('vmci listen/connect --dgram', () => {
  const hv = useHypervisor();

  it('listen prints datagrams and stops on the signal', async () => {
    const vm = hv().addVM({ cid: 3 });
    const { io, errors, output } = streamIo();
    const stop = new AbortController();
    const exit = main(['listen', '0', '--dgram', '--json'], io, {
      transport: hv().host.transport,
      signal: stop.signal,
    });
    await waitForText(errors, /listening on vsock dgram \S+:\d+/);
    const sender = createDatagramSocket({ transport: vm.transport });
    await sender.send('ping', 'host', listeningPort(errors()));
    await waitForText(output, 'ping');
    expect(JSON.parse(output())).toEqual({
      from: { cid: 3, port: sender.address()?.port },
      size: 4,
      text: 'ping',
    });
    sender.close();
    stop.abort();
    expect(await exit).toBe(0);
    (io.stdin as unknown as { end(): void }).end();
  });

  it('connect sends each line as a datagram', async () => {
    const vm = hv().addVM({ cid: 3 });
    const receiver = createDatagramSocket({ transport: hv().host.transport });
    const { port } = await receiver.bind({ port: 0 });
    const received: string[] = [];
    receiver.on('message', (data) => received.push(data.toString()));
    const { io } = streamIo('first\nsecond\n');
    expect(
      await main(['connect', `host:${port}`, '--dgram'], io, { transport: vm.transport }),
    ).toBe(0);
    await new Promise((resolve) => setImmediate(resolve));
    expect(received).toEqual(['first', 'second']);
    receiver.close();
  });
});

describe('vmci listen/connect message options', () => {
  it.each([
    [['listen', '5000', '--seqpacket', '--dgram'], '--seqpacket and --dgram exclude each other'],
    [
      ['connect', 'host:5000', '--json'],
      '--json prints messages; use it with --seqpacket or --dgram',
    ],
    [['listen', '5000', '--seqpacket', '--exec', 'cat'], '--exec needs a stream'],
  ])('%j is a usage error', async (argv, message) => {
    const { io, errors } = streamIo('');
    expect(await main(argv, io)).toBe(2);
    expect(errors()).toContain(message);
  });
});

describe('vmci listen --systemd', () => {
  it.each([
    [['listen', '--systemd'], '--systemd needs socket activation (LISTEN_FDS/LISTEN_PID'],
    [['listen', '5000', '--systemd'], '--systemd serves the socket systemd passed: drop the port'],
    [['listen'], 'give a port (e.g. vmci listen 5000 --echo) or --systemd'],
  ])('%j is a usage error', async (argv, message) => {
    const { io, errors } = streamIo('');
    expect(await main(argv, io)).toBe(2);
    expect(errors()).toContain(message);
  });
});
