/**
 * `vmci send` / `vmci recv` end to end in-process: a VM (CID 3) sends to the host on the
 * testkit's virtual hypervisor. One behaviour per test; what the library does on its own
 * (sendFiles / receiveFiles without the commands) is tested in @vmci/transfer.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { connect, createServer, PORT_ANY, type Transport } from '@vmci/sockets';
import { useHypervisor } from '@vmci/testkit/vitest';
import {
  defaultTransferBufferSize,
  encodeAccepted,
  encodeDataStart,
  encodeEnd,
  encodeFailed,
  encodeFileHeader,
  encodePreamble,
  encodeStored,
  encodeTrailer,
  ReplyReader,
  receiveFiles,
  sendFiles,
} from '@vmci/transfer';
import { afterEach, describe, expect, it } from 'vitest';
import { vsockService } from '../../../test/helpers/sockets.js';
import { useTransferDirs } from '../../../test/helpers/transfer-dirs.js';
import { main } from '../src/main.js';
import { streamIo, waitForText } from './helpers/stream-io.js';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest();
const MiB = 2 ** 20;

let dir: string;
let sourceDir: string;
const { sourceFile, listing, partialFileAppears } = useTransferDirs((receiving, sending) => {
  dir = receiving;
  sourceDir = sending;
});

describe('vmci send / recv', () => {
  const hv = useHypervisor();

  /** Starts `vmci recv` on the host; resolves once it listens. */
  async function startRecv(
    args: string[] = [],
    options: { signal?: AbortSignal; stderrIsTTY?: boolean } = {},
  ) {
    const { io, output, errors } = streamIo('', options);
    const exit = main(['recv', '0', '--dir', dir, ...args], io, {
      transport: hv().host.transport,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const listening = /listening on vsock any:(\d+)\n/;
    await Promise.race([
      waitForText(errors, listening),
      exit.then((code) => {
        throw new Error(`recv exited ${code} before listening: ${errors()}`);
      }),
    ]);
    return { port: Number(listening.exec(errors())?.[1]), exit, output, errors };
  }

  /** Runs `vmci send` in a VM; `signal` stands for SIGINT/SIGTERM. */
  function send(
    args: string[],
    transport: Transport,
    options: { signal?: AbortSignal; stderrIsTTY?: boolean } = {},
  ) {
    const { io, output, errors } = streamIo('', options);
    const exit = main(['send', ...args], io, {
      transport,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return { exit, output, errors };
  }

  /** A hand-driven sender in VM 3: writes frames from the encoder and reads the replies. */
  async function rawSender(port: number) {
    const transport = (hv().endpoint(3) ?? hv().addVM({ cid: 3 })).transport;
    const socket = await connect({ cid: 'host', port, transport, allowHalfOpen: true });
    socket.on('error', () => {});
    return { socket, replies: new ReplyReader(socket) };
  }

  it('sends an 8 MiB random file intact: same SHA-256, no temporary file left', async () => {
    const vm = hv().addVM({ cid: 3 });
    const content = randomBytes(8 * MiB);
    const recv = await startRecv();
    const sender = send([`host:${recv.port}`, sourceFile('disk.img', content)], vm.transport);
    expect(await sender.exit).toBe(0);
    expect(await recv.exit).toBe(0);
    expect(listing()).toEqual(['disk.img']);
    expect(sha256(readFileSync(join(dir, 'disk.img')))).toEqual(sha256(content));
    expect(sender.errors()).toMatch(
      new RegExp(
        `^sent disk\\.img \\(8\\.0 MiB\\) in [\\d.]+ s, [\\d.]+ MB/s, sha256 ${sha256(content).toString('hex')}\\n$`,
      ),
    );
    expect(recv.errors()).toMatch(/connection from 3:\d+\nstored disk\.img \(8\.0 MiB\)/);
  });

  it('stores a single file under --name', async () => {
    const vm = hv().addVM({ cid: 3 });
    const recv = await startRecv();
    const path = sourceFile('build-1234.tar', 'tarball');
    const sender = send([`host:${recv.port}`, path, '--name', 'latest.tar'], vm.transport);
    expect(await sender.exit).toBe(0);
    expect(await recv.exit).toBe(0);
    expect(listing()).toEqual(['latest.tar']);
    expect(readFileSync(join(dir, 'latest.tar'), 'utf8')).toBe('tarball');
  });

  it('refuses --name with more than one file (usage error, exit 2)', async () => {
    const vm = hv().addVM({ cid: 3 });
    const sender = send(
      ['host:5001', sourceFile('a', '1'), sourceFile('b', '2'), '--name', 'x'],
      vm.transport,
    );
    expect(await sender.exit).toBe(2);
    expect(sender.errors()).toBe(
      'vmci send: --name renames one file, but 2 were given: send them one at a time\n',
    );
  });

  it('refuses an invalid --name before connecting (exit 2)', async () => {
    const vm = hv().addVM({ cid: 3 });
    const sender = send(['host:5001', sourceFile('a', '1'), '--name', '../x'], vm.transport);
    expect(await sender.exit).toBe(2);
    expect(sender.errors()).toMatch(/^vmci send: cannot send '.*a' as '\.\.\/x': .*path separator/);
  });

  it('fails with ENOENT before connecting when a file is missing', async () => {
    const vm = hv().addVM({ cid: 3 });
    // Nobody listens on 5001: the error must be about the file, not the connection.
    const sender = send(['host:5001', sourceFile('a', '1'), join(sourceDir, 'nope')], vm.transport);
    expect(await sender.exit).toBe(1);
    expect(sender.errors()).toMatch(
      /^vmci: ENOENT: cannot read '.*nope': no such file; check the path\n$/,
    );
    expect(hv().trace()).not.toMatch(/connect/);
  });

  it('refuses to send a directory', async () => {
    const vm = hv().addVM({ cid: 3 });
    const sender = send(['host:5001', sourceDir], vm.transport);
    expect(await sender.exit).toBe(1);
    expect(sender.errors()).toMatch(/^vmci: EISDIR: .* is a directory: send files/);
  });

  it('fails with ECONNRESET when nobody listens', async () => {
    const vm = hv().addVM({ cid: 3 });
    const sender = send(['host:5001', sourceFile('a', '1')], vm.transport);
    expect(await sender.exit).toBe(1);
    expect(sender.errors()).toMatch(/^vmci: ECONNRESET: /);
  });

  it('refuses an existing file without --overwrite: EEXIST, both exit 1, file untouched', async () => {
    const vm = hv().addVM({ cid: 3 });
    writeFileSync(join(dir, 'config.json'), 'old');
    const recv = await startRecv();
    const sender = send([`host:${recv.port}`, sourceFile('config.json', 'new')], vm.transport);
    expect(await sender.exit).toBe(1);
    expect(await recv.exit).toBe(1);
    expect(sender.errors()).toMatch(
      /^vmci: EEXIST: 'config\.json' already exists in .*: the receiver replaces files only with --overwrite/,
    );
    expect(recv.errors()).toMatch(/vmci: EEXIST: 'config\.json' already exists/);
    expect(listing()).toEqual(['config.json']);
    expect(readFileSync(join(dir, 'config.json'), 'utf8')).toBe('old');
  });

  it('replaces an existing file with --overwrite', async () => {
    const vm = hv().addVM({ cid: 3 });
    writeFileSync(join(dir, 'config.json'), 'old');
    const recv = await startRecv(['--overwrite']);
    const sender = send([`host:${recv.port}`, sourceFile('config.json', 'new')], vm.transport);
    expect(await sender.exit).toBe(0);
    expect(await recv.exit).toBe(0);
    expect(listing()).toEqual(['config.json']);
    expect(readFileSync(join(dir, 'config.json'), 'utf8')).toBe('new');
  });

  it('exits 1 with ERR_VMCI_TRANSFER_TOO_LARGE through the CLI', async () => {
    const vm = hv().addVM({ cid: 3 });
    const recv = await startRecv(['--max-size', '3']);
    const sender = send([`host:${recv.port}`, sourceFile('four', '1234')], vm.transport);
    expect(await sender.exit).toBe(1);
    expect(await recv.exit).toBe(1);
    expect(sender.errors()).toMatch(/^vmci: ERR_VMCI_TRANSFER_TOO_LARGE: 'four' is 4 bytes/);
    expect(listing()).toEqual([]);
  });

  it('exits 1 with ERR_VMCI_TRANSFER_IDLE when a sender connects and sends nothing', async () => {
    const receiver = await startRecv(['--idle-timeout', '50']);
    const { socket } = await rawSender(receiver.port);
    expect(await receiver.exit).toBe(1);
    expect(receiver.errors()).toMatch(
      /vmci: ERR_VMCI_TRANSFER_IDLE: the sender at 3:\d+ sent nothing for 50 ms/,
    );
    socket.destroy();
  });

  it('rejects a tampered hash: the sender is told, nothing is stored, recv exits 1', async () => {
    const recv = await startRecv();
    const { socket, replies } = await rawSender(recv.port);
    const content = Buffer.from('payload');
    socket.write(
      Buffer.concat([encodePreamble(), encodeFileHeader({ name: 'p', size: content.length })]),
    );
    expect(await replies.next('p')).toEqual({ type: 'accepted' });
    const tampered = sha256(content);
    tampered[0] = (tampered[0] as number) ^ 1;
    socket.write(Buffer.concat([encodeDataStart(), content, encodeTrailer(tampered)]));
    expect(await replies.next('p')).toEqual({
      type: 'failed',
      failure: {
        code: 'ERR_VMCI_TRANSFER_HASH_MISMATCH',
        message: expect.stringMatching(
          /^'p' arrived with SHA-256 [0-9a-f]{64} but the sender computed/,
        ),
      },
    });
    socket.end(encodeEnd());
    expect(await recv.exit).toBe(1);
    expect(recv.errors()).toMatch(/vmci: ERR_VMCI_TRANSFER_HASH_MISMATCH: /);
    expect(listing()).toEqual([]);
    socket.destroy();
  });

  // Stand-ins for `vmci recv` that misbehave on purpose. They are closed after each test, before
  // the hypervisor's leak check (an afterEach registered earlier, so run later).
  const fakeReceivers: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    for (const receiver of fakeReceivers.splice(0)) await receiver.close();
  });

  /** Serves `handler` on a free host port in place of `vmci recv`; resolves with the port. */
  async function fakeReceiver(handler: (socket: Duplex) => void): Promise<number> {
    const receiver = await vsockService(createServer, hv().host.transport, PORT_ANY, handler);
    fakeReceivers.push(receiver);
    return receiver.port;
  }

  /** A receiver for one 3-byte file named 'f': accepts it, then answers its trailer as told. */
  function answersTrailerWith(afterTrailer: Buffer) {
    const headerEnd = 6 + encodeFileHeader({ name: 'f', size: 3 }).length;
    const trailerEnd = headerEnd + 1 + 3 + 32;
    return (socket: Duplex) => {
      socket.write(encodePreamble());
      let seen = 0;
      socket.on('data', (chunk: Buffer) => {
        const before = seen;
        seen += chunk.length;
        if (before < headerEnd && seen >= headerEnd) socket.write(encodeAccepted());
        if (before < trailerEnd && seen >= trailerEnd) socket.write(afterTrailer);
      });
      socket.on('end', () => socket.end());
    };
  }

  /**
   * A receiver that accepts the first file and hands the connection to `giveUp` once more than
   * `bytes` have arrived; `received()` counts what came in all.
   */
  function givesUpAfter(bytes: number, giveUp: (socket: Duplex) => void) {
    let received = 0;
    const handler = (socket: Duplex) => {
      socket.write(Buffer.concat([encodePreamble(), encodeAccepted()]));
      socket.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > bytes && received - chunk.length <= bytes) giveUp(socket);
      });
    };
    return { handler, received: () => received };
  }

  it('exits 1 when the receiver reports a hash mismatch', async () => {
    const vm = hv().addVM({ cid: 3 });
    // A receiver whose disk "corrupted" the data: it answers the trailer with a mismatch.
    const port = await fakeReceiver(
      answersTrailerWith(
        encodeFailed({ code: 'ERR_VMCI_TRANSFER_HASH_MISMATCH', message: "'f' was corrupted" }),
      ),
    );
    const sender = send([`host:${port}`, sourceFile('f', 'abc')], vm.transport);
    expect(await sender.exit).toBe(1);
    expect(sender.errors()).toBe("vmci: ERR_VMCI_TRANSFER_HASH_MISMATCH: 'f' was corrupted\n");
  });

  it('exits 1 when the receiver confirms a different SHA-256 than was sent', async () => {
    const vm = hv().addVM({ cid: 3 });
    const port = await fakeReceiver(answersTrailerWith(encodeStored(Buffer.alloc(32))));
    const sender = send([`host:${port}`, sourceFile('f', 'abc')], vm.transport);
    expect(await sender.exit).toBe(1);
    expect(sender.errors()).toMatch(
      /^vmci: ERR_VMCI_TRANSFER_HASH_MISMATCH: the receiver stored 'f' with SHA-256 0{64}/,
    );
  });

  it('refuses an invalid name and goes on with the next file of the batch', async () => {
    const recv = await startRecv();
    const { socket, replies } = await rawSender(recv.port);
    socket.write(Buffer.concat([encodePreamble(), encodeFileHeader({ name: '../x', size: 2 })]));
    expect(await replies.next('../x')).toEqual({
      type: 'failed',
      failure: {
        code: 'ERR_VMCI_TRANSFER_NAME_INVALID',
        message: expect.stringMatching(
          /^cannot store a file as '\.\.\/x': it contains a path separator/,
        ),
      },
    });
    const ok = Buffer.from('ok');
    socket.write(encodeFileHeader({ name: 'ok', size: 2 }));
    expect(await replies.next('ok')).toEqual({ type: 'accepted' });
    socket.write(Buffer.concat([encodeDataStart(), ok, encodeTrailer(sha256(ok))]));
    expect(await replies.next('ok')).toEqual({ type: 'stored', sha256: sha256(ok) });
    socket.end(encodeEnd());
    expect(await recv.exit).toBe(1);
    expect(listing()).toEqual(['ok']);
    expect(existsSync(join(dir, '..', 'x'))).toBe(false);
    socket.destroy();
  });

  it('closes on a stream that is not the transfer protocol, and stores nothing', async () => {
    const recv = await startRecv();
    const { socket } = await rawSender(recv.port);
    socket.end('GET / HTTP/1.1\r\n\r\n');
    expect(await recv.exit).toBe(1);
    expect(recv.errors()).toMatch(/vmci: ERR_VMCI_TRANSFER_BAD_MAGIC: the sender does not speak/);
    expect(listing()).toEqual([]);
  });

  it('says so when the peer is not vmci recv', async () => {
    const vm = hv().addVM({ cid: 3 });
    const port = await fakeReceiver((socket) => {
      socket.resume();
      socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
    });
    const sender = send([`host:${port}`, sourceFile('f', 'abc')], vm.transport);
    expect(await sender.exit).toBe(1);
    expect(sender.errors()).toMatch(
      /^vmci: ERR_VMCI_TRANSFER_BAD_MAGIC: the receiver does not speak the vmci transfer protocol/,
    );
  });

  it('stops sending when the receiver gives up mid-file, and reports its reason', async () => {
    const vm = hv().addVM({ cid: 3 });
    const receiver = givesUpAfter(100_000, (socket) =>
      socket.end(encodeFailed({ code: 'ENOSPC', message: 'no space left on the receiver' })),
    );
    const port = await fakeReceiver(receiver.handler);
    const sender = send([`host:${port}`, sourceFile('big', randomBytes(16 * MiB))], vm.transport);
    expect(await sender.exit).toBe(1);
    expect(sender.errors()).toBe('vmci: ENOSPC: no space left on the receiver\n');
    expect(receiver.received()).toBeLessThan(8 * MiB);
  });

  it('says the file was not stored when the receiver dies mid-file', async () => {
    const vm = hv().addVM({ cid: 3 });
    const port = await fakeReceiver(givesUpAfter(100_000, (socket) => socket.destroy()).handler);
    const sender = send([`host:${port}`, sourceFile('big', randomBytes(4 * MiB))], vm.transport);
    expect(await sender.exit).toBe(1);
    expect(sender.errors()).toMatch(
      /^vmci: (EPIPE|ECONNRESET): the connection to the receiver broke while sending 'big': it was not stored\n$/,
    );
  });

  it('draws a progress bar on a terminal, and not with --no-progress or without one', async () => {
    const vm = hv().addVM({ cid: 3 });
    const path = sourceFile('p.bin', randomBytes(MiB));
    const run = async (stderrIsTTY: boolean, extra: string[] = []) => {
      const recv = await startRecv(['--overwrite']);
      const sender = send([`host:${recv.port}`, path, ...extra], vm.transport, { stderrIsTTY });
      expect(await sender.exit).toBe(0);
      expect(await recv.exit).toBe(0);
      return sender.errors();
    };
    const tty = await run(true);
    expect(tty).toMatch(/^\rp\.bin +\d+% \[[#-]{20}\] /);
    expect(tty).toMatch(
      /\rp\.bin 100% \[#{20}\] 1\.0 MiB\/1\.0 MiB {2}[\d.]+ MB\/s {2}ETA 0:00 *\nsent p\.bin/,
    );
    expect(await run(true, ['--no-progress'])).not.toContain('\r');
    expect(await run(false)).not.toContain('\r');
  });

  it('draws the receiver progress bar on its terminal', async () => {
    const vm = hv().addVM({ cid: 3 });
    const recv = await startRecv([], { stderrIsTTY: true });
    expect(
      await send([`host:${recv.port}`, sourceFile('r.bin', randomBytes(MiB))], vm.transport).exit,
    ).toBe(0);
    expect(await recv.exit).toBe(0);
    expect(recv.errors()).toMatch(/\rr\.bin 100% .*\nstored r\.bin/);
  });

  it('prints one JSON object per file with --json, on both sides', async () => {
    const vm = hv().addVM({ cid: 3 });
    const recv = await startRecv(['--json']);
    const a = randomBytes(1000);
    const sender = send(
      [`host:${recv.port}`, sourceFile('a', a), sourceFile('b', 'bee'), '--json'],
      vm.transport,
    );
    expect(await sender.exit).toBe(0);
    expect(await recv.exit).toBe(0);
    const sent = sender
      .output()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(sent).toEqual([
      {
        name: 'a',
        size: 1000,
        sha256: sha256(a).toString('hex'),
        seconds: expect.any(Number),
        bytesPerSecond: expect.any(Number),
      },
      {
        name: 'b',
        size: 3,
        sha256: sha256(Buffer.from('bee')).toString('hex'),
        seconds: expect.any(Number),
        bytesPerSecond: expect.any(Number),
      },
    ]);
    expect(Object.keys(sent[0])).toEqual(['name', 'size', 'sha256', 'seconds', 'bytesPerSecond']);
    expect(sender.errors()).toBe('');
    const stored = recv
      .output()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(stored).toEqual([
      expect.objectContaining({
        name: 'a',
        path: join(dir, 'a'),
        size: 1000,
        sha256: sha256(a).toString('hex'),
        remoteCid: 3,
      }),
      expect.objectContaining({ name: 'b', path: join(dir, 'b'), size: 3, remoteCid: 3 }),
    ]);
  });

  it('serves several senders with --keep until the signal aborts, then exits 0', async () => {
    const vm = hv().addVM({ cid: 3 });
    const stop = new AbortController();
    const recv = await startRecv(['--keep'], { signal: stop.signal });
    expect(await send([`host:${recv.port}`, sourceFile('one', '1')], vm.transport).exit).toBe(0);
    expect(await send([`host:${recv.port}`, sourceFile('two', '2')], vm.transport).exit).toBe(0);
    stop.abort();
    expect(await recv.exit).toBe(0);
    expect(listing()).toEqual(['one', 'two']);
    // It no longer listens.
    expect(await send([`host:${recv.port}`, sourceFile('three', '3')], vm.transport).exit).toBe(1);
  });

  it('stops waiting for a sender when the signal aborts, and exits 0', async () => {
    const stop = new AbortController();
    const recv = await startRecv([], { signal: stop.signal });
    stop.abort();
    expect(await recv.exit).toBe(0);
    expect(listing()).toEqual([]);
  });

  it('deletes the partial file of a transfer in progress when --keep is stopped', async () => {
    const stop = new AbortController();
    const recv = await startRecv(['--keep'], { signal: stop.signal });
    const { socket, replies } = await rawSender(recv.port);
    socket.write(Buffer.concat([encodePreamble(), encodeFileHeader({ name: 'slow', size: MiB })]));
    expect(await replies.next('slow')).toEqual({ type: 'accepted' });
    socket.write(Buffer.concat([encodeDataStart(), randomBytes(1000)]));
    await partialFileAppears();
    stop.abort();
    expect(await recv.exit).toBe(0);
    expect(listing()).toEqual([]);
    expect(recv.errors()).toMatch(
      /vmci: ERR_VMCI_TRANSFER_INTERRUPTED: receiving 'slow' was interrupted/,
    );
    await expect(replies.next('slow')).rejects.toMatchObject({
      code: 'ERR_VMCI_TRANSFER_NOT_CONFIRMED',
    });
    socket.destroy();
  });

  it('serves one sender only without --keep: a second one is refused', async () => {
    const recv = await startRecv();
    const first = await rawSender(recv.port);
    const vm = hv().vm(3);
    await expect(
      connect({ cid: 'host', port: recv.port, transport: vm.transport }),
    ).rejects.toMatchObject({
      code: 'ECONNRESET',
    });
    first.socket.end(Buffer.concat([encodePreamble(), encodeEnd()]));
    expect(await recv.exit).toBe(0);
    first.socket.destroy();
  });

  it('vmci send stopped by the signal mid-file exits 1 saying what was stored (no crash)', async () => {
    const vm = hv().addVM({ cid: 3 });
    const stop = new AbortController();
    const path = sourceFile('huge', randomBytes(16 * MiB));
    let sender: ReturnType<typeof send> | undefined;
    const summary = await receiveFiles({
      dir,
      transport: hv().host.transport,
      progress: () => ({
        update: (done) => {
          if (done > MiB) stop.abort();
        },
        finish() {},
      }),
      onListening: ({ port }) => {
        sender = send([`host:${port}`, path], vm.transport, { signal: stop.signal });
      },
    });
    const errors = () => sender?.errors() ?? '';
    expect(await sender?.exit).toBe(1);
    expect(errors()).toBe(
      'vmci: ERR_VMCI_TRANSFER_INTERRUPTED: vmci send was stopped before the receiver confirmed every file: 0 of 1 stored; the receiver deletes what it got of the file in progress, so send the rest again\n',
    );
    expect(summary.failed).toEqual([
      expect.objectContaining({ name: 'huge', code: 'ERR_VMCI_TRANSFER_TRUNCATED' }),
    ]);
    expect(listing()).toEqual([]);
  });

  it('treats a missing --dir as a usage error', async () => {
    const { io, errors } = streamIo('');
    expect(
      await main(['recv', '0', '--dir', join(dir, 'missing')], io, {
        transport: hv().host.transport,
      }),
    ).toBe(2);
    expect(errors()).toMatch(/^vmci recv: --dir .*missing does not exist: create it first/);
    const file = join(dir, 'file');
    writeFileSync(file, '');
    expect(await main(['recv', '0', '--dir', file], io, { transport: hv().host.transport })).toBe(
      2,
    );
    expect(errors()).toMatch(/--dir .*file is not a directory/);
  });

  /**
   * `transport`, noting the bufferSize of every connect and listen request it gets; with
   * `refuse`, it rejects every request that asks for one, as a kernel that clamps it does.
   */
  function recordingBufferSizes(transport: Transport, seen: string[], refuse = false): Transport {
    return new Proxy(transport, {
      get(target, key) {
        const value = Reflect.get(target, key, target);
        if (key !== 'connect' && key !== 'listen') return value;
        return (request: { bufferSize?: number }, ...rest: unknown[]) => {
          seen.push(`${key} ${request.bufferSize}`);
          if (refuse && request.bufferSize !== undefined)
            return Promise.reject(
              Object.assign(new Error('the kernel kept buffer size 262144'), {
                code: 'ERR_VMCI_INVALID_ARGUMENT',
              }),
            );
          return (value as (...args: unknown[]) => unknown).call(target, request, ...rest);
        };
      },
    });
  }

  it('asks for --buffer-size on both ends, and the default without it', async () => {
    const content = randomBytes(MiB);
    const path = sourceFile('a.bin', content);
    const vm = hv().addVM({ cid: 3 });
    for (const [sendSize, recvSize] of [
      [2 * MiB, 4 * MiB],
      [undefined, undefined],
    ]) {
      const seen: string[] = [];
      const recvIo = streamIo('');
      const recvArgs = recvSize === undefined ? [] : ['--buffer-size', String(recvSize)];
      const received = main(['recv', '0', '--dir', dir, '--overwrite', ...recvArgs], recvIo.io, {
        transport: recordingBufferSizes(hv().host.transport, seen),
      });
      await waitForText(recvIo.errors, /listening on vsock any:(\d+)\n/);
      const port = /any:(\d+)/.exec(recvIo.errors())?.[1];
      const sendArgs = sendSize === undefined ? [] : ['--buffer-size', String(sendSize)];
      const sender = send(
        [...sendArgs, `host:${port}`, path],
        recordingBufferSizes(vm.transport, seen),
      );
      expect(await sender.exit).toBe(0);
      expect(await received).toBe(0);
      expect(sha256(readFileSync(join(dir, 'a.bin')))).toEqual(sha256(content));
      expect(seen).toEqual([
        `listen ${recvSize ?? defaultTransferBufferSize}`,
        `connect ${sendSize ?? defaultTransferBufferSize}`,
      ]);
    }
  });

  it("falls back to the transport's own buffer when it refuses the default, not when it refuses --buffer-size", async () => {
    const content = randomBytes(64 * 1024);
    const path = sourceFile('c.bin', content);
    const vm = hv().addVM({ cid: 3 });
    const seen: string[] = [];
    let sending: ReturnType<typeof sendFiles> | undefined;
    const summary = await receiveFiles({
      dir,
      transport: recordingBufferSizes(hv().host.transport, seen, true),
      onListening: ({ port }) => {
        sending = sendFiles({
          cid: 'host',
          port,
          files: [path],
          transport: recordingBufferSizes(vm.transport, seen, true),
        });
      },
    });
    const sent = await (sending as ReturnType<typeof sendFiles>);
    expect(summary.stored.map((f) => f.name)).toEqual(['c.bin']);
    expect(sent.sent.map((f) => f.sha256)).toEqual([sha256(content).toString('hex')]);
    expect(seen).toEqual([
      `listen ${defaultTransferBufferSize}`,
      'listen undefined',
      `connect ${defaultTransferBufferSize}`,
      'connect undefined',
    ]);
    await expect(
      sendFiles({
        cid: 'host',
        port: 5000,
        files: [path],
        bufferSize: 1 << 20,
        transport: recordingBufferSizes(vm.transport, [], true),
      }),
    ).rejects.toMatchObject({ code: 'ERR_VMCI_INVALID_ARGUMENT' });
  });

  it('treats a bad --buffer-size as a usage error on both sides', async () => {
    const recv = streamIo('');
    expect(
      await main(['recv', '0', '--dir', dir, '--buffer-size', '0'], recv.io, {
        transport: hv().host.transport,
      }),
    ).toBe(2);
    expect(recv.errors()).toBe(
      "vmci recv: --buffer-size must be a positive whole number, got '0'\n",
    );
    const vm = hv().addVM({ cid: 3 });
    const sender = send(['--buffer-size', '1M', 'host:5000', sourceFile('b', 'b')], vm.transport);
    expect(await sender.exit).toBe(2);
    expect(sender.errors()).toBe(
      "vmci send: --buffer-size must be a positive whole number, got '1M'\n",
    );
  });

  it('treats a bad --max-size as a usage error', async () => {
    const { io, errors } = streamIo('');
    expect(
      await main(['recv', '0', '--dir', dir, '--max-size', '1k'], io, {
        transport: hv().host.transport,
      }),
    ).toBe(2);
    expect(errors()).toBe("vmci recv: --max-size must be a positive whole number, got '1k'\n");
  });
});
