import { sendFiles } from '@vmci/transfer';

// In a VM: send two files to the host's receiver; resolves once the host confirmed each one.
const { sent, failed } = await sendFiles({ cid: 'host', port: 5001, files: ['a.log', 'b.log'] });
for (const file of sent) console.log(`${file.name} ${file.sha256}`);
process.exitCode = failed.length === 0 ? 0 : 1;
