/** Hybrid vsock (Firecracker, cloud-hypervisor): the host side of the device is a Unix socket. */
export { HybridVsockSocket } from './socket.js';
export { HybridVsockTransport, type HybridVsockTransportOptions } from './transport.js';
