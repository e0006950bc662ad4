/**
 * sendFiles / receiveFiles end to end in-process: a VM (CID 3) sends to the host on the testkit's
 * virtual hypervisor; hand-driven senders play a broken or stalled peer. One behaviour per test.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { VsockSocket } from '@vmci/sockets';
import { useHypervisor } from '@vmci/testkit/vitest';
import { describe, expect, it } from 'vitest';
import { encodeDataStart, encodeFileHeader, encodePreamble } from '../src/protocol.js';
import { type ReceiveSummary, receiveFiles } from '../src/receive.js';
import { sendFiles } from '../src/send.js';
import { rawSender, receiveWith, useTransferDirs } from './helpers/transfer.js';

const MiB = 2 ** 20;

let dir: string;
const { sourceFile, listing, partialFileAppears } = useTransferDirs((receiving) => {
  dir = receiving;
});

/**
 * The receiver kept nothing: no file stored, this one failure reported (its message matching),
 * and nothing left in the receiving directory, not even a partial file.
 */
function expectDiscarded(
  summary: ReceiveSummary,
  failure: { name: string; code: string; message: RegExp },
): void {
  expect(summary.stored).toEqual([]);
  expect(summary.failed).toEqual([
    expect.objectContaining({ ...failure, message: expect.stringMatching(failure.message) }),
  ]);
  expect(listing()).toEqual([]);
}

describe('sendFiles / receiveFiles', () => {
  const hv = useHypervisor();
  /** Where receiveWith stores: the test's directory, on the host. */
  const at = () => ({ dir, transport: hv().host.transport });

  it('sends several files in order over one connection, an empty one included', async () => {
    const vm = hv().addVM({ cid: 3 });
    const files = { 'a.txt': 'alpha', 'empty.bin': '', 'c.log': 'x'.repeat(300_000) };
    const paths = Object.entries(files).map(([name, content]) => sourceFile(name, content));
    const { summary, sent } = await receiveWith(at(), {}, (port) =>
      sendFiles({ cid: 'host', port, files: paths, transport: vm.transport }),
    );
    expect(sent.sent.map((file) => file.name)).toEqual(['a.txt', 'empty.bin', 'c.log']);
    expect(summary.stored.map((file) => file.name)).toEqual(['a.txt', 'empty.bin', 'c.log']);
    expect(summary).toMatchObject({ failed: [], senders: 1 });
    for (const [name, content] of Object.entries(files))
      expect(readFileSync(join(dir, name), 'utf8')).toBe(content);
    expect(listing()).toEqual(['a.txt', 'c.log', 'empty.bin']);
  });

  it('refuses a file over --max-size before its data is sent, and goes on with the next', async () => {
    const vm = hv().addVM({ cid: 3 });
    const big = sourceFile('big.bin', randomBytes(2 * MiB));
    const small = sourceFile('small.txt', 'fits');
    const dataSent: string[] = [];
    const { summary, sent: result } = await receiveWith(at(), { maxSize: 1000 }, (port) =>
      sendFiles({
        cid: 'host',
        port,
        files: [big, small],
        transport: vm.transport,
        // Called only when a file's data starts going out.
        progress: (name) => {
          dataSent.push(name);
          return { update() {}, finish() {} };
        },
      }),
    );
    expect(result.failed).toEqual([
      {
        name: 'big.bin',
        path: big,
        code: 'ERR_VMCI_TRANSFER_TOO_LARGE',
        message:
          "'big.bin' is 2097152 bytes, more than the receiver's --max-size of 1000: not stored",
      },
    ]);
    expect(result.sent.map((file) => file.name)).toEqual(['small.txt']);
    expect(summary.failed.map((failure) => failure.code)).toEqual(['ERR_VMCI_TRANSFER_TOO_LARGE']);
    expect(listing()).toEqual(['small.txt']);
    // The 2 MiB were never put on the wire.
    expect(dataSent).toEqual(['small.txt']);
  });

  it('rejects with the error an onStored callback throws, instead of hanging', async () => {
    const vm = hv().addVM({ cid: 3 });
    const mistake = new Error('a bug in the caller');
    let sending: Promise<unknown> | undefined;
    const received = receiveFiles({
      dir,
      transport: hv().host.transport,
      onListening: ({ port }) => {
        const files = [sourceFile('a.txt', 'alpha')];
        sending = sendFiles({ cid: 'host', port, files, transport: vm.transport }).catch((e) => e);
      },
      onStored: () => {
        throw mistake;
      },
    });
    await expect(received).rejects.toBe(mistake);
    await sending; // the sender is cut off when the receiver stops; it must settle, too
  });

  it('rejects with the error an onListening callback throws, and stops listening', async () => {
    const mistake = new Error('cannot announce');
    await expect(
      receiveFiles({
        dir,
        transport: hv().host.transport,
        onListening: () => {
          throw mistake;
        },
      }),
    ).rejects.toBe(mistake);
  });

  it('stops sending and rejects when the signal aborts', async () => {
    const vm = hv().addVM({ cid: 3 });
    const stop = new AbortController();
    const { summary } = await receiveWith(at(), {}, async (port) => {
      const sending = sendFiles({
        cid: 'host',
        port,
        files: [sourceFile('huge', randomBytes(16 * MiB))],
        transport: vm.transport,
        signal: stop.signal,
        progress: () => ({
          update: (done) => {
            if (done > MiB) stop.abort();
          },
          finish() {},
        }),
      });
      await expect(sending).rejects.toMatchObject({ name: 'AbortError' });
    });
    expect(summary.failed).toEqual([
      expect.objectContaining({ name: 'huge', code: 'ERR_VMCI_TRANSFER_TRUNCATED' }),
    ]);
    expect(listing()).toEqual([]);
  });

  it('names a file that disappeared after the check when its turn comes', async () => {
    const vm = hv().addVM({ cid: 3 });
    const first = sourceFile('first', '1');
    const second = sourceFile('second', '2');
    const { summary } = await receiveWith(at(), {}, async (port) => {
      const sending = sendFiles({
        cid: 'host',
        port,
        files: [first, second],
        transport: vm.transport,
        onSent: () => rmSync(second),
      });
      await expect(sending).rejects.toMatchObject({
        code: 'ENOENT',
        message: `cannot read '${second}': no such file; check the path`,
      });
    });
    expect(summary.failed).toEqual([
      expect.objectContaining({ name: 'second', code: 'ERR_VMCI_TRANSFER_TRUNCATED' }),
    ]);
    expect(listing()).toEqual(['first']);
  });

  it('deletes the partial file when the sender dies mid-file, and reports the truncation', async () => {
    const { summary } = await receiveWith(at(), {}, async (port) => {
      const { socket, replies } = await rawSender(hv(), port);
      socket.write(
        Buffer.concat([encodePreamble(), encodeFileHeader({ name: 'x.bin', size: MiB })]),
      );
      expect(await replies.next('x.bin')).toEqual({ type: 'accepted' });
      socket.write(Buffer.concat([encodeDataStart(), randomBytes(100_000)]));
      // Let the receiver write some of it before the sender dies.
      await partialFileAppears();
      socket.destroy();
    });
    expectDiscarded(summary, {
      name: 'x.bin',
      code: 'ERR_VMCI_TRANSFER_TRUNCATED',
      message: /^the sender disconnected after \d+ of 1048576 bytes of 'x\.bin'/,
    });
  });

  it('drops a sender that stalls mid-file after --idle-timeout, deleting the partial file', async () => {
    let sender: VsockSocket | undefined;
    // Everything the sender will ever send goes in one write right after the connect, so the
    // receiver's idle timer has no gap of the test's own to misread as a stall on a loaded machine.
    const { summary } = await receiveWith(at(), { idleTimeoutMs: 1000 }, async (port) => {
      const { socket, replies } = await rawSender(hv(), port);
      sender = socket;
      socket.write(
        Buffer.concat([
          encodePreamble(),
          encodeFileHeader({ name: 'stalled.bin', size: MiB }),
          encodeDataStart(),
          randomBytes(10_000),
        ]),
      );
      await partialFileAppears();
      expect(await replies.next('stalled.bin')).toEqual({ type: 'accepted' });
      // …and then nothing more: the receiver must not wait forever.
    });
    sender?.destroy();
    expectDiscarded(summary, {
      name: 'stalled.bin',
      code: 'ERR_VMCI_TRANSFER_IDLE',
      message: /sent nothing for 1000 ms: dropped it and deleted the partial file/,
    });
  });
});
