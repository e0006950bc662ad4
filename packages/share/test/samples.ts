/** Sample field values for any message, from a seed: for round trips and the fuzzer. */
import { type FieldKind, type MessageName, messages } from '../src/protocol/messages.js';

export function sampleField(kind: FieldKind, seed: number): unknown {
  switch (kind) {
    case 'u8':
      return seed & 0xff;
    case 'u16':
      return (seed * 31) & 0xffff;
    case 'u32':
      return (seed * 2654435761) >>> 0;
    case 'u64':
      return BigInt(seed) * 0x1_0000_0001n;
    case 'str':
      return `name-${seed}-é`;
    case 'qid':
      return { type: 0x80, version: seed, path: BigInt(seed) + 1n };
    case 'strs':
      return Array.from({ length: seed % 4 }, (_, i) => `w${i}`);
    case 'qids':
      return Array.from({ length: seed % 3 }, (_, i) => ({ type: 0, version: i, path: BigInt(i) }));
    case 'data':
      return Buffer.from(`data-${seed}`);
  }
}

export function sampleBody(name: MessageName, seed: number): Record<string, unknown> {
  return Object.fromEntries(
    messages[name].fields.map(([field, kind], i) => [field, sampleField(kind, seed + i)]),
  );
}
