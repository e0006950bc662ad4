import { mountShare } from '@vmci/share';

// In a Linux guest, as root: mount the host's share with the kernel's own 9p client. The mount
// outlives this process; `umount /mnt/shared` ends it.
await mountShare({ cid: 2, port: 5640, mountpoint: '/mnt/shared', readOnly: true });
