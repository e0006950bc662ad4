/**
 * Real AF_VSOCK syscalls on the host: create, bind, listen, getsockname, options and the local-CID
 * ioctl only. Nothing here connects or sends (the host's vsock leads to infrastructure not ours).
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  acceptConnection,
  bindSocket,
  closeSocket,
  createSocket,
  descriptorFlags,
  getAFValueDetailed,
  getBufferSizes,
  getConnectTimeout,
  getLocalCID,
  listenSocket,
  localAddress,
  setBufferSize,
  setBufferSizes,
  setConnectTimeout,
  VMADDR_CID_ANY,
  VMADDR_PORT_ANY,
  VmciError,
  version,
} from '../src/index.js';
import { trackDescriptors } from './helpers/descriptors.js';

const { track } = trackDescriptors();

function expectVmciError(fn: () => unknown, code: string): VmciError {
  try {
    fn();
  } catch (error) {
    expect(VmciError.isInstance(error)).toBe(true);
    expect((error as VmciError).code).toBe(code);
    return error as VmciError;
  }
  throw new Error(`expected ${code}, nothing was thrown`);
}

describe('vsock syscalls on the host (no connect)', () => {
  it('creates stream sockets non-blocking and close-on-exec', () => {
    const fd = track(createSocket('stream'));
    expect(descriptorFlags(fd)).toEqual({ closeOnExec: true, nonBlocking: true });
  });

  it('creates seqpacket sockets', () => {
    expect(track(createSocket('seqpacket'))).toBeGreaterThan(2);
  });

  it('refuses datagram sockets on virtio with ENODEV and says why', () => {
    const error = expectVmciError(() => createSocket('dgram'), 'ENODEV');
    expect(error.syscall).toBe('socket');
    expect(error.message).toMatch(/datagrams exist only on the VMCI transport/);
  });

  it('binds to port ANY and reports the assigned port through getsockname', () => {
    const fd = track(createSocket('stream'));
    bindSocket(fd, { cid: VMADDR_CID_ANY, port: VMADDR_PORT_ANY });
    const address = localAddress(fd);
    expect(address.cid).toBe(VMADDR_CID_ANY);
    expect(address.port).not.toBe(VMADDR_PORT_ANY);
    expect(address.port).toBeGreaterThan(1023);
  });

  it('listens and has no pending connection', () => {
    const fd = track(createSocket('stream'));
    bindSocket(fd, { cid: VMADDR_CID_ANY, port: VMADDR_PORT_ANY });
    listenSocket(fd, 16);
    expect(acceptConnection(fd)).toBeNull();
  });

  it('fails a second bind to the same port with EADDRINUSE', () => {
    const first = track(createSocket('stream'));
    bindSocket(first, { cid: VMADDR_CID_ANY, port: VMADDR_PORT_ANY });
    const { port } = localAddress(first);
    const second = track(createSocket('stream'));
    const error = expectVmciError(
      () => bindSocket(second, { cid: VMADDR_CID_ANY, port }),
      'EADDRINUSE',
    );
    expect(error.address).toEqual({ cid: VMADDR_CID_ANY, port });
  });

  it("fails a bind to a CID that is not this VM's with EADDRNOTAVAIL", () => {
    const fd = track(createSocket('stream'));
    const error = expectVmciError(
      () => bindSocket(fd, { cid: 424242, port: 5000 }),
      'EADDRNOTAVAIL',
    );
    expect(error.message).toMatch(/not this VM's/);
  });

  it('rejects an out-of-range port before any syscall', () => {
    const fd = track(createSocket('stream'));
    expectVmciError(
      () => bindSocket(fd, { cid: VMADDR_CID_ANY, port: 2 ** 32 }),
      'ERR_VMCI_INVALID_ADDRESS',
    );
    expectVmciError(() => bindSocket(fd, { cid: -1, port: 80 }), 'ERR_VMCI_INVALID_ADDRESS');
  });

  it('answers the local CID the same as a Python ioctl does', () => {
    const python = spawnSync(
      'python3',
      [
        '-c',
        "import fcntl,struct;f=open('/dev/vsock','rb');print(struct.unpack('I',fcntl.ioctl(f,0x7b9,b'\\0'*4))[0])",
      ],
      { encoding: 'utf8' },
    );
    expect(python.status, python.stderr).toBe(0);
    const cid = getLocalCID();
    expect(cid).toBe(Number(python.stdout.trim()));
    expect(cid).toBeGreaterThan(2); // a guest: 0 hypervisor, 1 local, 2 host
  });

  it('finds AF_VSOCK (40) by probing a stream socket, where the header would probe datagrams', () => {
    expect(getAFValueDetailed()).toEqual({ family: 40, source: 'socket-stream', fd: -1 });
  });

  it('reports the VMware version ioctl as not available on an upstream kernel', () => {
    expect(version()).toEqual({
      available: false,
      reason: 'this kernel does not implement the VMware version ioctl (upstream vsock)',
    });
  });

  it('reads the default buffer sizes as u64 values', () => {
    const fd = track(createSocket('stream'));
    expect(getBufferSizes(fd)).toEqual({ size: 262144, min: 128, max: 262144 });
  });

  it('shows the kernel clamping a raw buffer size above the maximum silently', () => {
    const fd = track(createSocket('stream'));
    setBufferSize(fd, 1 << 20);
    expect(getBufferSizes(fd).size).toBe(262144);
  });

  it('sets a larger buffer size by raising the maximum first', () => {
    const fd = track(createSocket('stream'));
    expect(setBufferSizes(fd, { size: 1 << 20 })).toEqual({
      size: 1 << 20,
      min: 128,
      max: 1 << 20,
    });
  });

  it('shrinks the buffer size below the minimum by lowering the minimum first', () => {
    const fd = track(createSocket('stream'));
    expect(setBufferSizes(fd, { size: 64 })).toEqual({ size: 64, min: 64, max: 262144 });
  });

  it('rejects inconsistent buffer limits', () => {
    const fd = track(createSocket('stream'));
    expectVmciError(() => setBufferSizes(fd, { size: 100, min: 200 }), 'ERR_VMCI_INVALID_ARGUMENT');
  });

  it('round-trips the connect timeout in milliseconds (default 2 s)', () => {
    const fd = track(createSocket('stream'));
    expect(getConnectTimeout(fd)).toBe(2000);
    setConnectTimeout(fd, 5000);
    expect(getConnectTimeout(fd)).toBe(5000);
  });

  it('reads back a connect timeout rounded to the kernel tick (jiffies)', () => {
    const fd = track(createSocket('stream'));
    setConnectTimeout(fd, 5250);
    const read = getConnectTimeout(fd);
    expect(read).toBeGreaterThanOrEqual(5250);
    expect(read).toBeLessThan(5250 + 10);
  });

  it('rejects a non-positive connect timeout', () => {
    const fd = track(createSocket('stream'));
    expectVmciError(() => setConnectTimeout(fd, 0), 'ERR_VMCI_INVALID_ARGUMENT');
  });

  it('fails calls on a closed descriptor with EBADF', () => {
    const fd = createSocket('stream');
    closeSocket(fd);
    expectVmciError(() => listenSocket(fd), 'EBADF');
  });
});
