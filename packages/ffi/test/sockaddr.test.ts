import { describe, expect, it } from 'vitest';
import { decodeSockaddrVm, encodeSockaddrVm, generated, VmciError } from '../src/index.js';

describe('sockaddr_vm codec', () => {
  it('encodes family, port, cid and flags at the generated offsets', () => {
    const bytes = encodeSockaddrVm({ cid: 2, port: 1234, flags: 1 });
    expect([...bytes]).toEqual([40, 0, 0, 0, 0xd2, 0x04, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0]);
  });

  it('round-trips an address', () => {
    const address = { cid: 0xffffffff, port: 0xfffffffe, flags: 0 };
    expect(decodeSockaddrVm(encodeSockaddrVm(address))).toEqual(address);
  });

  it('rejects bytes of another family', () => {
    const bytes = encodeSockaddrVm({ cid: 3, port: 1 });
    bytes.writeUInt16LE(2, 0);
    expect(() => decodeSockaddrVm(bytes)).toThrowError(
      expect.objectContaining({ code: 'ERR_VMCI_INVALID_ADDRESS' }),
    );
  });

  it('rejects a short buffer', () => {
    expect(() => decodeSockaddrVm(Buffer.alloc(8))).toThrow(VmciError);
  });

  it('rejects flags that do not fit svm_flags', () => {
    expect(() => encodeSockaddrVm({ cid: 3, port: 1, flags: 256 })).toThrowError(
      expect.objectContaining({ code: 'ERR_VMCI_INVALID_ADDRESS' }),
    );
  });

  it("encodes macOS's svm_len and one-byte family from the darwin layout", () => {
    const darwin = generated.vmci_sockets_darwin_arm64.layouts.sockaddr_vm;
    const bytes = encodeSockaddrVm({ cid: 2, port: 1234 }, darwin);
    expect([...bytes]).toEqual([16, 40, 0, 0, 0xd2, 0x04, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0]);
    expect(decodeSockaddrVm(bytes, darwin)).toEqual({ cid: 2, port: 1234, flags: 0 });
  });

  it('refuses flags where the layout has no svm_flags (VMware headers)', () => {
    const windows = generated.vmci_sockets_win32_x64.layouts.sockaddr_vm;
    expect(() => encodeSockaddrVm({ cid: 2, port: 1, flags: 1 }, windows)).toThrowError(
      expect.objectContaining({ code: 'ERR_VMCI_INVALID_ADDRESS' }),
    );
  });

  it('uses the arm64 layout when given it (same ABI for this struct)', () => {
    const arm = generated.vm_sockets_linux_arm64.layouts.sockaddr_vm;
    expect([...encodeSockaddrVm({ cid: 5, port: 7 }, arm)]).toEqual([
      ...encodeSockaddrVm({ cid: 5, port: 7 }),
    ]);
  });
});
