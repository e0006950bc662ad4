/**
 * While a virtual hypervisor is in charge, the default transport refuses: a call that forgot its
 * `transport:` option fails with an error naming the option, instead of reaching the kernel (on a
 * VM, the real hypervisor).
 */
import { type Transport, VmciError } from '@vmci/sockets';

/** The code of the error a call without `transport:` gets while a testkit hypervisor is in charge. */
export const transportRequiredCode = 'ERR_VMCI_TRANSPORT_REQUIRED';

function refusal(call: string): VmciError {
  return new VmciError(
    transportRequiredCode,
    `${call} was called without a \`transport:\` option while a testkit hypervisor is in charge ` +
      '(useHypervisor() or hypervisor.installAsDefault()): pass `transport: vm.transport` ' +
      '(or `hypervisor.host.transport`), or make one the default with ' +
      'hypervisor.installAsDefault(vm.transport). The kernel transport is off so that the test ' +
      'cannot reach a real hypervisor.',
  );
}

/** A Transport that refuses every call with {@link transportRequiredCode}. */
export function refusingTransport(): Transport {
  const refuse = (call: string) => async () => {
    throw refusal(call);
  };
  return {
    name: 'testkit/refusing',
    localCid: () => {
      throw refusal('localCid()');
    },
    connect: refuse('connect()'),
    listen: refuse('listen()'),
    connectSeqpacket: refuse('connectSeqpacket()'),
    listenSeqpacket: refuse('listen() of a SEQPACKET server'),
    bindDatagram: refuse('bind() of a datagram socket'),
  };
}
