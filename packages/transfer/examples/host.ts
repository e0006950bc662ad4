import { receiveFiles } from '@vmci/transfer';

// On the host: receive files from any VM on vsock port 5001 into ./incoming (which must exist)
// until SIGTERM; refuse files over 1 GiB (the kernel transport).
const stop = new AbortController();
process.once('SIGTERM', () => stop.abort());
const summary = await receiveFiles({
  dir: './incoming',
  port: 5001,
  keep: true,
  maxSize: 2 ** 30,
  signal: stop.signal,
  onStored: (file) => console.error(`stored ${file.name} from VM ${file.remoteCid}`),
  onFailed: (failure) => console.error(`${failure.code}: ${failure.message}`),
});
console.error(`${summary.stored.length} stored, ${summary.failed.length} failed`);
