/**
 * The main job until the `vmci` CLI lands: translate this machine's linux/vm_sockets.h and probe
 * AF_VSOCK here through @vmci/ffi — create, bind and ioctl only; nothing connects.
 */
import { existsSync, readFileSync } from 'node:fs';
import {
  bindSocket,
  closeSocket,
  createSocket,
  currentTarget,
  getAFValueDetailed,
  getBufferSizes,
  getConnectTimeout,
  getLocalCID,
  localAddress,
  type SocketType,
  VMADDR_CID_ANY,
  VMADDR_PORT_ANY,
  VmciError,
  version,
  vsockDevicePaths,
} from '../packages/ffi/src/index.js';
import { buildModel } from '../packages/header-codegen/src/index.js';

const headerPath = '/usr/include/linux/vm_sockets.h';
const line = (label: string, value: unknown) => console.log(`  ${label.padEnd(28)} ${value}`);
const explain = (error: unknown) =>
  VmciError.isInstance(error) ? `${error.code}: ${error.message}` : String(error);

console.log(`\n${headerPath} → TypeScript (header-codegen, linux-x64)`);
const model = buildModel({
  path: headerPath,
  text: readFileSync(headerPath, 'utf8'),
  target: 'linux-x64',
  preInclude: ['sys/ioctl.h'],
});
for (const constant of model.constants)
  line(constant.name, `${constant.value} (${constant.ctype})`);
for (const struct of model.structs) {
  line(`struct ${struct.name}`, `${struct.size} bytes, align ${struct.align}`);
  for (const field of struct.fields) line(`  .${field.name}`, `@${field.offset} ${field.type}`);
}

console.log('\nAF_VSOCK on this machine (@vmci/ffi; create/bind/ioctl only, never connect)');
line(
  'platform',
  `${process.platform}-${process.arch}, Node ${process.version}, target ${currentTarget() ?? 'unsupported'}`,
);
if (currentTarget()) {
  const af = getAFValueDetailed();
  line(
    'address family',
    af.family < 0 ? 'vsock unavailable' : `${af.family} (found by ${af.source})`,
  );
  try {
    const cid = getLocalCID();
    line(
      'local CID',
      `${cid}${cid === 1 ? ' (loopback only)' : cid === 2 ? ' (host)' : ' (this is a guest)'}`,
    );
  } catch (error) {
    line('local CID', explain(error));
  }
  const v = version();
  line('VMware version ioctl', v.available ? `${v.epoch}.${v.major}.${v.minor}` : v.reason);
  for (const path of vsockDevicePaths)
    line(`device ${path}`, existsSync(path) ? 'present' : 'absent');
  for (const type of ['stream', 'seqpacket', 'dgram'] as SocketType[]) {
    try {
      const fd = createSocket(type);
      try {
        bindSocket(fd, { cid: VMADDR_CID_ANY, port: VMADDR_PORT_ANY });
        const extra =
          type === 'stream'
            ? `; buffers ${JSON.stringify(getBufferSizes(fd))}, connect timeout ${getConnectTimeout(fd)} ms`
            : '';
        line(`${type} socket`, `ok, bound to port ${localAddress(fd).port}${extra}`);
      } finally {
        closeSocket(fd);
      }
    } catch (error) {
      line(`${type} socket`, explain(error));
    }
  }
}
console.log();
