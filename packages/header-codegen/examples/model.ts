import { readFileSync } from 'node:fs';
import { buildModel, emitModule } from '@vmci/header-codegen';

// Linux's header for an arm64 target (it uses _IO() and expects <sys/ioctl.h> included first).
const path = '/usr/include/linux/vm_sockets.h';
const model = buildModel({
  path,
  text: readFileSync(path, 'utf8'),
  target: 'linux-arm64',
  preInclude: ['sys/ioctl.h'],
});

const sockaddr = model.structs.find((struct) => struct.name === 'sockaddr_vm');
console.log(
  sockaddr?.size,
  sockaddr?.fields.map((field) => `${field.name}@${field.offset}`),
);
// 16 [ 'svm_family@0', 'svm_reserved1@2', 'svm_port@4', 'svm_cid@8', 'svm_flags@12', 'svm_zero@13' ]

console.log(emitModule(model)); // the TypeScript module: constants, layouts, koffi structs
