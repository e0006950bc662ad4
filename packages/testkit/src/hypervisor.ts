/**
 * A virtual hypervisor: the host (CID 2), the hypervisor (CID 0) and VMs, each with a Transport
 * that `@vmci/sockets` uses like the kernel's. It models VMware's rules (VMCI must be enabled;
 * guest↔guest only when both VMs allow unrestricted communication, effective after a restart;
 * host↔guest always) and the kernel's behaviour (ECONNRESET without a listener, ETIMEDOUT for an
 * unreachable CID after the connect timeout, EADDRINUSE, EADDRNOTAVAIL, privileged ports, buffer
 * sizes, SEQPACKET limits, the client getsockname CID quirk).
 */
import {
  CID_ANY,
  isGuestCid,
  PORT_ANY,
  setDefaultTransport,
  type Transport,
  type VsockAddress,
  warnGuestToGuest,
  wellKnownCids,
} from '@vmci/sockets';
import type { ReceivedDatagram } from '@vmci/sockets/transport';
import {
  type DatagramRouter,
  type FakeDatagramChannel,
  type FakeMessageChannel,
  ResourceCounter,
} from './channels.js';
import { type Clock, systemClock } from './clock.js';
import { kernelError } from './errors.js';
import { Faults } from './faults.js';
import { refusingTransport } from './guard.js';
import { Pipe } from './pipes.js';
import { portKey } from './ports.js';
import { type HypervisorServer, serveHypervisor } from './remote/serve.js';
import { FakeTransport } from './transport.js';

/** The hypervisor's CID, 0 (`VMADDR_CID_HYPERVISOR`). */
export const HYPERVISOR_CID = wellKnownCids.hypervisor;
/** The loopback CID, 1 (`VMADDR_CID_LOCAL`): an endpoint reaches itself. */
export const LOCAL_CID = wellKnownCids.local;
/** The host's CID, 2 (`VMADDR_CID_HOST`). */
export const HOST_CID = wellKnownCids.host;

/** What a VM is configured with. */
export interface VmOptions {
  readonly cid: number;
  readonly name?: string;
  /** VMCI (the vsock device) enabled; without it the VM cannot use vsock at all. Default true. */
  readonly vmci?: boolean;
  /** Guest↔guest traffic allowed (needs both VMs; a change takes effect at the next restart). */
  readonly allowUnrestrictedCommunication?: boolean;
  /** May bind ports below 1024 (root / CAP_NET_BIND_SERVICE). Default true. */
  readonly privileged?: boolean;
}

/** A live stream or message connection, for resets. */
export interface LiveConnection {
  /** The two endpoints' CIDs. */
  readonly between: readonly [number, number];
  reset(reason: string): void;
  /** Stops (or restores) the credit for data flowing toward `towardCid` (both ways if omitted). */
  stall(towardCid: number | undefined, stalled: boolean): void;
}

/** The host, the hypervisor or a VM: something with a CID and ports. */
export class Endpoint {
  readonly transport: FakeTransport;
  /** {@link portKey} (`connectible:1234` / `dgram:1234`) → what holds it. */
  readonly ports = new Map<string, unknown>();
  readonly connections = new Set<LiveConnection>();
  poweredOn = true;

  constructor(
    readonly hypervisor: Hypervisor,
    readonly cid: number,
    readonly name: string,
    public vmci: boolean,
    public privileged: boolean,
  ) {
    this.transport = new FakeTransport(this);
  }

  /** A free port above 1023 (deterministic under the hypervisor's seed). */
  ephemeralPort(kind: string): number {
    for (;;) {
      const port = 1024 + Math.floor(this.hypervisor.random() * (0x7fffffff - 1024));
      if (!this.ports.has(portKey(kind, port))) return port;
    }
  }

  /** Resets every connection (the peers see ECONNRESET) and frees every port. */
  protected dropEverything(reason: string): void {
    for (const connection of [...this.connections]) connection.reset(reason);
    this.connections.clear();
    for (const holder of this.ports.values()) (holder as { close?: () => void }).close?.();
    this.ports.clear();
  }
}

/**
 * A VM of a {@link Hypervisor}: an endpoint with a CID from 3, powered on and off, with VMware's
 * guest↔guest policy taking effect at its next boot.
 */
export class VirtualMachine extends Endpoint {
  /** What communication policy is in force now (the VM's last boot). */
  allowUnrestrictedCommunication: boolean;
  private pendingAllowUnrestricted: boolean;

  constructor(hypervisor: Hypervisor, options: VmOptions) {
    super(
      hypervisor,
      options.cid,
      options.name ?? `vm${options.cid}`,
      options.vmci ?? true,
      options.privileged ?? true,
    );
    this.allowUnrestrictedCommunication = options.allowUnrestrictedCommunication ?? false;
    this.pendingAllowUnrestricted = this.allowUnrestrictedCommunication;
  }

  /** Changes the guest↔guest policy; like VMware, it applies at the next `restart()`. */
  setAllowUnrestrictedCommunication(allow: boolean): void {
    this.pendingAllowUnrestricted = allow;
  }

  /** Enables or disables VMCI; applies at the next `restart()` as well. */
  setVmci(enabled: boolean): void {
    this.pendingVmci = enabled;
  }
  private pendingVmci: boolean | undefined;

  /** Reboots: open connections reset (ECONNRESET at the peer), ports freed, pending settings applied. */
  restart(): void {
    this.dropEverything(`${this.name} restarted`);
    this.allowUnrestrictedCommunication = this.pendingAllowUnrestricted;
    if (this.pendingVmci !== undefined) this.vmci = this.pendingVmci;
    this.pendingVmci = undefined;
    this.poweredOn = true;
  }

  /**
   * Restores the VM from a snapshot: the vsock transport is reset, so every open connection of the
   * VM resets (ECONNRESET at both ends) while its listeners stay — what Firecracker users see
   * after a snapshot restore.
   */
  restoreSnapshot(): void {
    const reason = `${this.name} was restored from a snapshot (transport reset)`;
    for (const connection of [...this.connections]) connection.reset(reason);
  }

  powerOff(): void {
    this.dropEverything(`${this.name} was powered off`);
    this.poweredOn = false;
  }

  powerOn(): void {
    this.restart();
  }
}

/** Options of a {@link Hypervisor}. */
export interface HypervisorOptions {
  /** Seeds port choices and faults, so runs repeat. Default 1. */
  readonly seed?: number;
  /**
   * Keeps time for latency, bandwidth, connect timeouts, delayed accepts and the traffic record.
   * Default: the system clock; pass a `ManualClock` to move time from the test.
   */
  readonly clock?: Clock;
  /**
   * Whether guest↔guest traffic the policy lets through emits VMware's `DeprecationWarning`
   * (code VMCI_DEP_GUEST_TO_GUEST, once per process), as the kernel transport does over VMCI.
   * Default true; false for tests and demos that exercise guest↔guest on purpose.
   */
  readonly guestToGuestWarning?: boolean;
}

/**
 * A virtual hypervisor: the host, the hypervisor endpoint and VMs, each with a `transport` that
 * `@vmci/sockets` uses like the kernel's, under VMware's policy and the kernel's behaviour.
 */
export class Hypervisor implements DatagramRouter {
  /** Staged faults (see `Faults`); `partition`/`resetConnections` below also act on open connections. */
  readonly faults = new Faults();
  readonly host: Endpoint;
  readonly hypervisorEndpoint: Endpoint;
  private readonly endpoints = new Map<number, Endpoint>();
  readonly clock: Clock;
  readonly resources: ResourceCounter;
  private readonly guestToGuestWarning: boolean;
  private state: number;
  /** Each fake socket's outgoing pipe, for faults on one direction. */
  readonly outgoingPipes = new WeakMap<object, Pipe<{ length: number }>>();
  /** Each fake socket's connection, for resets of one connection. */
  readonly liveConnections = new WeakMap<object, LiveConnection>();
  /** @internal Each fake SEQPACKET socket's channel, for the served wire to carry messages as they are. */
  readonly messageChannels = new WeakMap<object, FakeMessageChannel>();

  constructor(options: HypervisorOptions = {}) {
    this.state = (options.seed ?? 1) >>> 0 || 1;
    this.clock = options.clock ?? systemClock;
    this.guestToGuestWarning = options.guestToGuestWarning ?? true;
    const clock = this.clock;
    this.resources = new ResourceCounter(() => clock.now());
    this.host = new Endpoint(this, HOST_CID, 'host', true, true);
    this.hypervisorEndpoint = new Endpoint(this, HYPERVISOR_CID, 'hypervisor', true, true);
    this.endpoints.set(HOST_CID, this.host);
    this.endpoints.set(HYPERVISOR_CID, this.hypervisorEndpoint);
  }

  /** xorshift32: deterministic under the seed. */
  random(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state / 0x100000000;
  }

  addVM(options: VmOptions): VirtualMachine {
    if (!isGuestCid(options.cid)) {
      throw kernelError(
        'EINVAL',
        'addVM',
        `a VM's CID must be an integer from 3 to ${CID_ANY - 1} (0-2 are reserved), got ${options.cid}`,
      );
    }
    if (this.endpoints.has(options.cid))
      throw kernelError('EEXIST', 'addVM', `CID ${options.cid} is taken`);
    const vm = new VirtualMachine(this, options);
    this.endpoints.set(vm.cid, vm);
    return vm;
  }

  endpoint(cid: number): Endpoint | undefined {
    return this.endpoints.get(cid);
  }

  vm(cid: number): VirtualMachine {
    const endpoint = this.endpoints.get(cid);
    if (!(endpoint instanceof VirtualMachine))
      throw kernelError('ENOENT', 'vm', `no VM has CID ${cid}`);
    return endpoint;
  }

  /** Whether `from` may talk to `to` under VMware's rules; the reason when not. */
  policy(from: Endpoint, to: Endpoint): string | undefined {
    if (from === to) return undefined;
    const guest = (e: Endpoint) => e instanceof VirtualMachine;
    if (guest(from) && guest(to)) {
      const a = from as VirtualMachine;
      const b = to as VirtualMachine;
      if (!a.allowUnrestrictedCommunication || !b.allowUnrestrictedCommunication) {
        return `guest-to-guest traffic between ${a.name} and ${b.name} needs allowUnrestrictedCommunication on both VMs (effective after a restart)`;
      }
    }
    return undefined;
  }

  /**
   * Called for traffic the policy let through: guest↔guest traffic gets VMware's deprecation
   * warning (once per process, code VMCI_DEP_GUEST_TO_GUEST) unless the hypervisor was told not to.
   */
  noteTraffic(from: Endpoint, to: Endpoint): void {
    if (!this.guestToGuestWarning) return;
    if (from !== to && from instanceof VirtualMachine && to instanceof VirtualMachine)
      warnGuestToGuest(from.cid, to.cid);
  }

  /** Datagram routing: delivered, or dropped like VMCI drops (no receiver, full queue, policy). */
  deliver(from: VsockAddress, to: VsockAddress, data: Buffer): void {
    const source = this.endpoints.get(from.cid);
    const target = to.cid === LOCAL_CID ? source : this.endpoints.get(to.cid);
    if (!source || !target?.poweredOn || !target.vmci || this.policy(source, target)) return;
    if (this.faults.partitioned(source.cid, target.cid)) return;
    this.noteTraffic(source, target);
    const receiver = target.ports.get(portKey('dgram', to.port)) as FakeDatagramChannel | undefined;
    if (!receiver) return;
    const inbox = receiver.inbox;
    if (inbox.size + data.length > inbox.capacity) return;
    const datagram: ReceivedDatagram & { length: number } = {
      data,
      from: { cid: source.cid, port: from.port },
      truncated: false,
      length: data.length,
    };
    inbox.push(datagram);
  }

  /** Cuts two CIDs apart: open connections between them reset, new connects time out. */
  partition(a: number, b: number): void {
    this.faults.partition(a, b);
    this.resetConnections({ between: [a, b] }, `partition between CID ${a} and CID ${b}`);
  }

  heal(a: number, b: number): void {
    this.faults.heal(a, b);
  }

  /** Resets open connections mid-stream (all, or those touching a CID / between two CIDs). */
  resetConnections(
    scope: { cid?: number; between?: readonly [number, number] } = {},
    reason = 'reset staged by the testkit',
  ): number {
    const seen = new Set<LiveConnection>();
    for (const endpoint of this.endpoints.values()) {
      for (const connection of endpoint.connections) {
        const [x, y] = connection.between;
        const inScope =
          (scope.cid === undefined || x === scope.cid || y === scope.cid) &&
          (scope.between === undefined ||
            (x === scope.between[0] && y === scope.between[1]) ||
            (x === scope.between[1] && y === scope.between[0]));
        if (inScope) seen.add(connection);
      }
    }
    for (const connection of seen) connection.reset(reason);
    return seen.size;
  }

  /**
   * Takes charge of the default transport (what `@vmci/sockets` uses for a call without
   * `transport:`): `transport` when given (e.g. `vm.transport`), otherwise one that refuses with
   * `ERR_VMCI_TRANSPORT_REQUIRED`, naming the forgotten option — the kernel is never reached by
   * accident. Returns a function that restores the previous default. `useHypervisor()` calls it
   * for every test.
   */
  installAsDefault(transport?: Transport): () => void {
    const previous = setDefaultTransport(transport ?? refusingTransport());
    let restored = false;
    return () => {
      if (restored) return;
      restored = true;
      setDefaultTransport(previous);
    };
  }

  /** Resets the connection `socket` (a socket this hypervisor made) belongs to; false if none. */
  resetConnectionOf(socket: object, reason = 'reset staged by the testkit'): boolean {
    const live = this.liveConnections.get(socket);
    if (!live) return false;
    live.reset(reason);
    return true;
  }

  /**
   * A credit stall: the receivers of connections in scope stop granting credit, as a peer that
   * stopped reading does — the senders' writes back up (what is in flight still arrives). Scope
   * `{ to }` stalls only data flowing toward that CID. Returns a function that lets data flow again.
   */
  stallCredit(scope: { cid?: number; to?: number } = {}): () => void {
    const stalled: LiveConnection[] = [];
    for (const endpoint of this.endpoints.values()) {
      for (const connection of endpoint.connections) {
        const [x, y] = connection.between;
        if (scope.cid !== undefined && x !== scope.cid && y !== scope.cid) continue;
        if (scope.to !== undefined && x !== scope.to && y !== scope.to) continue;
        if (stalled.includes(connection)) continue;
        connection.stall(scope.to, true);
        stalled.push(connection);
      }
    }
    return () => {
      for (const connection of stalled) connection.stall(scope.to, false);
    };
  }

  /**
   * The peer of `socket` shuts down reading (SHUT_RD): `socket`'s further writes fail with EPIPE;
   * `socket` can still read what the peer sends. Returns false if `socket` is not a stream of
   * this hypervisor.
   */
  peerShutsRead(socket: object): boolean {
    const pipe = this.outgoingPipes.get(socket);
    if (!pipe) return false;
    this.resources.record('shutdown(SHUT_RD) by the peer (staged by the testkit)');
    pipe.fail(
      kernelError(
        'EPIPE',
        'send',
        'the peer shut down reading (SHUT_RD): no more data can be sent',
      ),
    );
    return true;
  }

  /**
   * Serves this hypervisor on a Unix socket: other processes join it as the host or as a VM with
   * `VMCI_TRANSPORT=testkit:<path>?cid=<cid>` (or a `RemoteTransport` from `@vmci/testkit/remote`).
   * Policies, restarts, faults and the traffic record stay driven from this process.
   */
  serve(path: string): Promise<HypervisorServer> {
    return serveHypervisor(this, path);
  }

  /** Open channels, listeners and datagram sockets, for leak checks. */
  openResources(): number {
    return this.resources.open;
  }

  /** What is still open, one label each (`stream 4294967295:1234 ↔ 2:5000`, `stream listener 2:80`). */
  openResourceLabels(): string[] {
    return this.resources.labels();
  }

  /** The traffic record: opens, closes, connects and resets with their time since creation. */
  trace(): string {
    return this.resources.events.join('\n');
  }
}

/** A new virtual {@link Hypervisor} with its host (CID 2); add VMs with `addVM`. */
export function createHypervisor(options?: HypervisorOptions): Hypervisor {
  return new Hypervisor(options);
}

export { Pipe, PORT_ANY };
