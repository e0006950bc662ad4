/**
 * The emitted koffi definitions have exactly the sizes and offsets of the model, for every target.
 */
import koffi from 'koffi';
import { describe, expect, it } from 'vitest';
import { emitModule } from '../src/emit.js';
import { buildModel } from '../src/model.js';
import { type TargetName, targetNames } from '../src/targets.js';
import { importEmitted, linuxModel, vmwareFixtures } from './helpers.js';

type KoffiType = Parameters<typeof koffi.sizeof>[0];
type Layouts = Record<
  string,
  { size: number; align: number; fields: Record<string, { offset: number; size: number }> }
>;

async function expectKoffiMatchesLayouts(text: string) {
  const module = await importEmitted(text);
  const layouts = module.layouts as Layouts;
  const structs = (module.defineKoffiStructs as (k: typeof koffi) => Record<string, KoffiType>)(
    koffi,
  );
  expect(Object.keys(structs).sort()).toEqual(Object.keys(layouts).sort());
  for (const [name, layout] of Object.entries(layouts)) {
    const type = structs[name] as KoffiType;
    expect(koffi.sizeof(type), `${name} size`).toBe(layout.size);
    for (const [field, { offset }] of Object.entries(layout.fields)) {
      expect(koffi.offsetof(type, field), `${name}.${field} offset`).toBe(offset);
    }
  }
}

describe('koffi struct definitions', () => {
  it.each(['linux-x64', 'linux-arm64'] as TargetName[])(
    'match the vm_sockets.h layouts on %s',
    async (target) => {
      await expectKoffiMatchesLayouts(emitModule(linuxModel(target)));
    },
  );

  const cases = vmwareFixtures().flatMap((f) => targetNames.map((t) => [f.name, t, f] as const));
  it.each(cases)('match the %s layouts on %s', async (_, target, fixture) => {
    await expectKoffiMatchesLayouts(
      emitModule(buildModel({ path: fixture.path, text: fixture.text, target })),
    );
  });

  it('pads packed and over-aligned records explicitly', async () => {
    const text = [
      'struct __attribute__((packed)) wire { unsigned char kind; unsigned int length; };',
      'struct spaced { char tag; int value __attribute__((aligned(8))); };',
      '#pragma pack(push, 2)',
      'struct narrow { char a; long long b; };',
      '#pragma pack(pop)',
    ].join('\n');
    const model = buildModel({ path: 'packed.h', text, target: 'linux-x64' });
    expect(model.structs.map((s) => [s.name, s.size])).toEqual([
      ['wire', 5],
      ['spaced', 16],
      ['narrow', 10],
    ]);
    await expectKoffiMatchesLayouts(emitModule(model));
  });
});
