/**
 * A hostile client: 100,000+ generated messages — structured requests with hostile values,
 * truncated, bit-flipped, random, undersized and oversized ones — fed to server sessions in random
 * chunks. Every message gets a well-formed reply for its tag (Rlerror or the request's R-message)
 * or the connection is closed; nothing throws, nothing outside the root changes, and the fid table
 * stays bounded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decodeMessage,
  encodeMessage,
  type Message,
  type MessageName,
  messages,
  NOFID,
  NOTAG,
  ShareSession,
} from '../src/index.js';
import { ShareRoot } from '../src/server/root.js';
import { makeSandbox, type Sandbox, startShare } from './helpers.js';

/** A small deterministic PRNG (mulberry32) so a failure can be replayed from its seed. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const requests = (Object.keys(messages) as MessageName[]).filter((name) => name.startsWith('T'));
const names = [
  '..',
  '.',
  '',
  'dir',
  'file',
  'hello.txt',
  'escape',
  'secret-link',
  'etc',
  'a/b',
  'x\0',
  'n'.repeat(300),
  'new',
  'fuzz',
];

function generator(seed: number) {
  const random = prng(seed);
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  const value = (field: string, kind: string): unknown => {
    switch (kind) {
      case 'u8':
        return int(256);
      case 'u16':
        return int(65536);
      case 'u32':
        if (/fid/i.test(field)) return pick([0, 1, 2, 3, 4, NOFID, int(2 ** 32)]);
        return pick([0, 1, 0o100, 0o1101, 0o644, 0x200, int(2 ** 32), 0xffffffff]);
      case 'u64':
        return pick([0n, 1n, 4096n, 2n ** 63n, 2n ** 64n - 1n, BigInt(int(1e9))]);
      case 'str':
        return pick(names);
      case 'qid':
        return { type: int(256), version: int(2 ** 32), path: BigInt(int(2 ** 32)) };
      case 'strs':
        return Array.from({ length: pick([0, 1, 2, 3, 17]) }, () => pick(names));
      case 'qids':
        return [];
      default:
        return Buffer.alloc(pick([0, 1, 100, 5000]), int(256));
    }
  };
  const structured = (): Buffer => {
    const name = pick(requests);
    const body = Object.fromEntries(
      messages[name].fields.map(([field, kind]) => [field, value(field, kind)]),
    );
    if (name === 'Tversion')
      return encodeMessage(name, NOTAG, { msize: int(2 ** 20), version: '9P2000.L' });
    return encodeMessage(name, int(65535), body as never);
  };
  /** One generated message, and whether it may break the framing (then the session may close). */
  return (): { bytes: Buffer; framingBroken: boolean } => {
    const mode = int(100);
    if (mode < 45) return { bytes: structured(), framingBroken: false };
    if (mode < 65) {
      const frame = structured();
      const cut = Buffer.from(frame.subarray(0, 7 + int(frame.length - 7)));
      cut.writeUInt32LE(cut.length, 0);
      return { bytes: cut, framingBroken: false };
    }
    if (mode < 80) {
      const frame = Buffer.from(structured());
      for (let flips = 1 + int(4); flips > 0; flips--) frame[4 + int(frame.length - 4)] = int(256);
      return { bytes: frame, framingBroken: false };
    }
    if (mode < 92) {
      const body = Buffer.alloc(int(80));
      for (let i = 0; i < body.length; i++) body[i] = int(256);
      const frame = Buffer.alloc(7 + body.length);
      frame.writeUInt32LE(frame.length, 0);
      frame.writeUInt8(pick([int(256), ...requests.map((n) => messages[n].id)]), 4);
      frame.writeUInt16LE(int(65536), 5);
      body.copy(frame, 7);
      return { bytes: frame, framingBroken: false };
    }
    const frame = Buffer.alloc(7);
    frame.writeUInt32LE(mode < 96 ? int(7) : 2 ** 20 + int(2 ** 31), 0);
    return { bytes: frame, framingBroken: true };
  };
}

let box: Sandbox;
beforeAll(() => {
  box = makeSandbox();
});
afterAll(() => box.remove());

describe('fuzzing the server', () => {
  // CPU-bound: ~10 s on a quiet machine, minutes on a loaded one. It yields to the event loop
  // between batches so vitest's worker RPC and hang guard keep running (a synchronous minute
  // failed a run with "Timeout calling onTaskUpdate"); the guard is a hang guard, not a limit.
  it('answers 100,000 generated messages with replies or a closed connection, never a throw', async () => {
    const outsideBefore = box.snapshotOutside();
    const root = new ShareRoot(box.root);
    const next = generator(15);
    const random = prng(99);
    const maxFids = 64;
    const open = () => {
      const session = new ShareSession({
        root,
        readOnly: false,
        crossMounts: false,
        allowFrom: undefined,
        peerCid: 3,
        maxMessageSize: 65536,
        maxFids,
      });
      // Most sessions start properly so the fuzz reaches the handlers.
      const hello = Buffer.concat([
        encodeMessage('Tversion', NOTAG, { msize: 65536, version: '9P2000.L' }),
        encodeMessage('Tattach', 1, { fid: 0, afid: NOFID, uname: '', aname: '', nUname: 0 }),
      ]);
      expect(session.receive(hello).replies.map((r) => decodeMessage(r).type)).toEqual([
        'Rversion',
        'Rattach',
      ]);
      return session;
    };
    let session = open();
    const counts = { messages: 0, replies: 0, errors: 0, closes: 0, ok: 0 };
    for (let sent = 0, batches = 0; sent < 100_000; batches++) {
      if (batches % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
      // A batch of messages sent as one stream, cut into random chunks.
      const batch: Buffer[] = [];
      let broken = false;
      for (let i = 1 + Math.floor(random() * 8); i > 0 && !broken; i--) {
        const { bytes, framingBroken } = next();
        batch.push(bytes);
        broken = framingBroken;
      }
      sent += batch.length;
      counts.messages += batch.length;
      const stream = Buffer.concat(batch);
      const replies: Buffer[] = [];
      let closed = false;
      for (let at = 0; at < stream.length && !closed; ) {
        const size = 1 + Math.floor(random() * 200);
        const output = session.receive(stream.subarray(at, at + size));
        replies.push(...output.replies);
        closed = output.close;
        at += size;
      }
      for (const reply of replies) {
        const message: Message = decodeMessage(reply);
        counts.replies++;
        if (message.type === 'Rlerror') counts.errors++;
        else counts.ok++;
        expect(message.type.startsWith('R')).toBe(true);
      }
      expect(session.fidCount).toBeLessThanOrEqual(maxFids);
      if (closed) {
        counts.closes++;
        session = open();
      } else if (!broken) {
        // Unbroken framing: one reply per message.
        expect(replies.length).toBe(batch.length);
      }
    }
    session.dispose();
    root.close();
    expect(counts.messages).toBeGreaterThanOrEqual(100_000);
    expect(counts.ok).toBeGreaterThan(1000); // the fuzz reached real handlers, not only errors
    expect(counts.closes).toBeGreaterThan(100);
    expect(box.snapshotOutside()).toEqual(outsideBefore);
    console.log('fuzz:', JSON.stringify(counts));
  }, 600_000);

  it('a server fed garbage over a connection closes it and keeps serving others', async () => {
    const own = makeSandbox();
    const share = await startShare(own.root);
    const stream = (share.client as unknown as { stream: import('node:stream').Duplex }).stream;
    const garbage = Buffer.alloc(64, 0xff);
    const closed = new Promise((resolve) => stream.once('close', resolve));
    stream.write(garbage);
    await closed;
    expect(share.server.connections).toBe(0);
    await share.close();
    const again = await startShare(own.root);
    expect((await again.client.readFile('hello.txt')).toString()).toBe('hello\n');
    await again.close();
    own.remove();
  });
});
