/**
 * Constants, struct layouts and koffi struct definitions generated from the vsock headers, one
 * namespace per header × target (`vm_sockets_linux_x64`, …). The koffi bindings themselves come
 * with the ffi issue.
 */
export * as generated from './generated/index.js';
