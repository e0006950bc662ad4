import { createShareServer } from '@vmci/share';

// On the host: share ./shared read-only with VM 3 on vsock port 5640 (the kernel transport).
const share = createShareServer({ root: './shared', readOnly: true, allowFrom: [3] });
const { port } = await share.listen(5640);
console.error(`sharing ./shared on vsock port ${port}`);
process.once('SIGTERM', () => share.close());
