/**
 * The compiler oracle: every claim of a model, compiled as `_Static_assert`s by gcc (host target,
 * real system headers) and by clang for each target triple (profile shims).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildModel, type HeaderModel } from '../src/model.js';
import { oracleSource, runClangOracle, runGccOracle } from '../src/oracle.js';
import { type TargetName, targetNames } from '../src/targets.js';
import { linuxHeaderPath, linuxModel, vmwareFixtures } from './helpers.js';

const linuxText = readFileSync(linuxHeaderPath, 'utf8');

describe('gcc oracle on the host (linux-x64, real system headers)', () => {
  it('confirms every constant, type, layout, macro function and predefined macro of vm_sockets.h', () => {
    const model = linuxModel('linux-x64');
    const result = runGccOracle(
      oracleSource(model, {
        include: '<linux/vm_sockets.h>',
        preInclude: ['sys/ioctl.h'],
        checkPredefined: 'gcc',
      }),
    );
    expect(result.output).toBe('');
    expect(result.ok).toBe(true);
    // 19 constants × 2 + sockaddr_vm (2 + 6 × 2) + 3 macro functions × 5 samples × 2
    expect(result.checks).toBe(82);
  });

  it.each(vmwareFixtures().map((f) => [f.name, f] as const))(
    'confirms %s against real glibc headers',
    (_, fixture) => {
      const model = buildModel({ path: fixture.path, text: fixture.text, target: 'linux-x64' });
      const result = runGccOracle(
        oracleSource(model, { include: JSON.stringify(fixture.path), checkPredefined: 'gcc' }),
      );
      expect(result.output).toBe('');
      expect(result.checks).toBeGreaterThan(20);
    },
  );

  const mutations: [string, (m: HeaderModel) => HeaderModel][] = [
    [
      'a constant value',
      (m) => ({
        ...m,
        constants: m.constants.map((c) =>
          c.name === 'SOL_VSOCK' && c.kind === 'integer' ? { ...c, value: c.value + 1n } : c,
        ),
      }),
    ],
    [
      'a constant type',
      (m) => ({
        ...m,
        constants: m.constants.map((c) =>
          c.name === 'VMADDR_CID_ANY' ? { ...c, ctype: 'int' as const } : c,
        ),
      }),
    ],
    [
      'a field offset',
      (m) => ({
        ...m,
        structs: m.structs.map((s) => ({
          ...s,
          fields: s.fields.map((f) => (f.name === 'svm_flags' ? { ...f, offset: 13 } : f)),
        })),
      }),
    ],
    ['a struct size', (m) => ({ ...m, structs: m.structs.map((s) => ({ ...s, size: 20 })) })],
    ['a profile macro', (m) => ({ ...m, target: 'linux-arm64' })],
  ];
  it.each(mutations)('fails when the model gets %s wrong', (_, mutate) => {
    const model = mutate(linuxModel('linux-x64'));
    const result = runGccOracle(
      oracleSource(model, {
        include: '<linux/vm_sockets.h>',
        preInclude: ['sys/ioctl.h'],
        checkPredefined: 'gcc',
      }),
    );
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/error/);
  });
});

describe('clang oracle per target (clang as WebAssembly, profile shims)', () => {
  const linuxTargets: TargetName[] = ['linux-x64', 'linux-arm64'];
  it.each(linuxTargets)('confirms vm_sockets.h and the profile on %s', async (target) => {
    const model = buildModel({
      path: linuxHeaderPath,
      text: linuxText,
      target,
      preInclude: ['sys/ioctl.h'],
    });
    const source = oracleSource(model, {
      include: '"vm_sockets.h"',
      preInclude: ['sys/ioctl.h'],
      checkPredefined: 'clang',
    });
    const result = await runClangOracle(source, target, { 'vm_sockets.h': linuxText });
    expect(result.output).toBe('');
    expect(result.ok).toBe(true);
  });

  const cases = vmwareFixtures().flatMap((fixture) =>
    targetNames.map((target) => [fixture.name, target, fixture] as const),
  );
  it.each(cases)('confirms %s on %s', async (name, target, fixture) => {
    const model = buildModel({ path: fixture.path, text: fixture.text, target });
    const source = oracleSource(model, { include: JSON.stringify(name), checkPredefined: 'clang' });
    const result = await runClangOracle(source, target, { [name]: fixture.text });
    expect(result.output).toBe('');
    expect(result.ok).toBe(true);
    expect(result.checks).toBeGreaterThan(20);
  });

  it('fails when a layout claim is wrong for the target (darwin-arm64)', async () => {
    const fixture = vmwareFixtures().at(-1);
    if (!fixture) throw new Error('no VMware fixture headers');
    const model = buildModel({ path: fixture.path, text: fixture.text, target: 'darwin-arm64' });
    const wrong = {
      ...model,
      structs: model.structs.map((s) => ({
        ...s,
        fields: s.fields.map((f) => ({ ...f, offset: f.offset + 1 })),
      })),
    };
    const result = await runClangOracle(
      oracleSource(wrong, { include: JSON.stringify(fixture.name) }),
      'darwin-arm64',
      { [fixture.name]: fixture.text },
    );
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/static assertion failed/);
  });
});
