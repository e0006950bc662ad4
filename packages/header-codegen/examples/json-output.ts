import { execFileSync } from 'node:child_process';
import type { CodegenJsonOutput } from '@vmci/header-codegen';

// One shape for one --target or many: { generator, models: [one per --target, in order] }.
const stdout = execFileSync(
  'npx',
  ['vmci-codegen', '/usr/include/linux/vm_sockets.h', '--target', 'linux-x64,linux-arm64'].concat([
    '--pre-include',
    'sys/ioctl.h',
    '--json',
  ]),
  { encoding: 'utf8' },
);
const output = JSON.parse(stdout) as CodegenJsonOutput;
console.log(
  output.generator,
  output.models.map((model) => model.target),
);
