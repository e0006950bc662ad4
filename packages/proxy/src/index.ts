/**
 * @vmci/proxy — relays TCP or Unix sockets to vsock and back: {@link startProxy} (what `vmci proxy`
 * runs), with a deny-by-default outbound allowlist, client filters, connection limits and one
 * event per connection step.
 */

export type { ProxyErrorCode } from '@vmci/sockets';
export {
  type AllowDecision,
  type Allowlist,
  type AllowRule,
  loadAllowlist,
  parseAllowlist,
  parseAllowRule,
} from './allowlist.js';
export {
  type Endpoint,
  type EndpointRole,
  formatEndpoint,
  parseEndpoint,
  type TcpEndpoint,
  type UnixEndpoint,
  type VsockEndpoint,
} from './endpoint.js';
export { ProxyError } from './errors.js';
export {
  createProxyLog,
  type ProxyEvent,
  type ProxyEventName,
  type ProxyLogFormat,
  type ProxyLogLevel,
  type ProxyLogOptions,
} from './log.js';
export {
  type ProxyOptionLabels,
  type ProxyOptions,
  type ProxyTotals,
  type RunningProxy,
  startProxy,
} from './start-proxy.js';
