import { expect, it } from 'vitest';

it('imports on an unsupported platform and throws a typed error at the first call', async () => {
  const real = process.platform;
  Object.defineProperty(process, 'platform', { value: 'darwin' });
  try {
    const ffi = await import('../src/index.js');
    // Constants and layouts stay usable.
    expect(ffi.generated.vm_sockets_linux_x64.VMADDR_CID_HOST).toBe(2);
    expect(ffi.currentTarget()).toBeUndefined();
    expect(() => ffi.createSocket('stream')).toThrowError(
      expect.objectContaining({
        code: 'ERR_VMCI_UNSUPPORTED_PLATFORM',
        message: expect.stringMatching(/not supported on darwin-/),
      }),
    );
  } finally {
    Object.defineProperty(process, 'platform', { value: real });
  }
});
