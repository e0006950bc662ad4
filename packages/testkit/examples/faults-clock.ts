import { connect } from '@vmci/sockets';
import { createHypervisor, ManualClock } from '@vmci/testkit';

// A connect to a VM that never answers, on a clock the test moves: no real waiting.
export async function connectTimesOutAt(timeoutMs: number): Promise<string[]> {
  const clock = new ManualClock();
  const hv = createHypervisor({ clock });
  const vm = hv.addVM({ cid: 3 });
  const seen: string[] = [];
  const attempt = connect({ cid: 99, port: 1, transport: vm.transport, connectTimeout: timeoutMs })
    .then(() => seen.push('connected'))
    .catch((error: { code: string }) => seen.push(`${error.code} at ${clock.now()} ms`));
  await clock.advance(timeoutMs - 1);
  seen.push(`still connecting at ${clock.now()} ms`);
  await clock.advance(1);
  await attempt;
  return seen;
}
