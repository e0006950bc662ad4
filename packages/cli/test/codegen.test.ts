/**
 * `vmci codegen` passes its arguments to the header-codegen CLI.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { main } from '../src/main.js';
import { streamIo } from './helpers/stream-io.js';

describe('vmci codegen', () => {
  it('shows the code generator help without arguments', async () => {
    const { io, output } = streamIo('');
    expect(await main(['codegen'], io)).toBe(0);
    expect(output()).toContain('vmci-codegen <header> --target');
  });

  it('prints the model of the system vm_sockets.h as JSON', async () => {
    expect(existsSync('/usr/include/linux/vm_sockets.h')).toBe(true);
    const { io, output } = streamIo('');
    const argv = ['codegen', '/usr/include/linux/vm_sockets.h', '--target', 'linux-x64', '--json'];
    expect(await main([...argv, '--pre-include', 'sys/ioctl.h'], io)).toBe(0);
    const model = JSON.parse(output());
    const json = JSON.stringify(model);
    expect(json).toContain('VMADDR_CID_HOST');
    expect(json).toContain('sockaddr_vm');
  });

  it('exits 2 with the generator usage for a missing --target', async () => {
    const { io, errors } = streamIo('');
    expect(await main(['codegen', '/usr/include/linux/vm_sockets.h'], io)).toBe(2);
    expect(errors()).toContain('give one header (or --sdk) and --target, or --config');
  });
});
