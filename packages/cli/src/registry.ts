/**
 * Every `vmci` command's spec, in the order `vmci --help` lists them. Implementations load
 * lazily (see command.ts).
 */
import type { CommandSpec, OptionSpec } from './command.js';

const json: OptionSpec = { type: 'boolean', description: 'print the result as JSON on stdout' };
const connectTimeout: OptionSpec = {
  type: 'string',
  value: 'MS',
  description: 'give up connecting after MS milliseconds (kernel default: 2000)',
};
const transferBufferSize: OptionSpec = {
  type: 'string',
  value: 'BYTES',
  description:
    "the connection's vsock buffer (SO_VM_SOCKETS_BUFFER_SIZE); bytes in flight are capped by the smaller of both ends' (default 4194304, or the transport's own if it refuses that)",
};
const cid: OptionSpec = {
  type: 'string',
  value: 'CID',
  description: 'listen on this CID only (a number, or local/host/any; default any)',
};
const seqpacket: OptionSpec = {
  type: 'boolean',
  description: 'SOCK_SEQPACKET: each line of input is one message, each message one line of output',
};
const hybrid: OptionSpec = {
  type: 'string',
  value: 'UDS',
  description:
    "use a Firecracker / cloud-hypervisor VM's hybrid vsock device (its Unix socket) instead of the kernel",
  complete: 'file',
};
const transport: OptionSpec = {
  type: 'string',
  value: 'SETTING',
  description:
    'the transport: kernel, or testkit:PATH[?cid=CID] to join a virtual hypervisor served on PATH (as the host, or VM CID); overrides VMCI_TRANSPORT',
};
const dgram: OptionSpec = {
  type: 'boolean',
  description: 'SOCK_DGRAM (VMCI only; virtio kernels refuse it): each line is one datagram',
};

export const commands: readonly CommandSpec[] = [
  {
    name: 'doctor',
    summary: 'what this machine supports (never connects)',
    synopsis: '[--json]',
    description:
      'Reports the platform, Node version, the socket backend, how the address family was found, the local CID and what it means, which socket types can be created (create-only probes), default buffer sizes and connect timeout, privileged ports, VMware device paths and the installed SDK header (vmci_sockets.h; VMCI_SDK_DIR overrides the search). It never connects, so it is safe on any machine.',
    positionals: { min: 0, max: 0 },
    options: { json },
    examples: ['vmci doctor', 'vmci doctor --json | jq .localCid'],
    load: () => import('./commands/doctor.js'),
  },
  {
    name: 'demo',
    summary: 'a virtual hypervisor in this process: echo, HTTP and guest-to-guest policy',
    synopsis: '[--kernel]',
    description:
      'Starts the testkit hypervisor in-process (a host and two VMs) and shows, live: an echo exchange, an HTTP request over vsock, and a guest-to-guest connect refused by policy and then allowed after a restart. --kernel runs the echo and HTTP parts on the real kernel transport instead (in a VM with vsock loopback).',
    positionals: { min: 0, max: 0 },
    options: {
      kernel: {
        type: 'boolean',
        description:
          'use the kernel transport (local CID; needs vsock loopback, e.g. the nested VM)',
      },
    },
    examples: ['vmci demo', 'vmci demo --kernel'],
    load: () => import('./commands/demo.js'),
  },
  {
    name: 'listen',
    summary: 'accept a connection and pipe it to stdin/stdout, an echo or a command',
    synopsis:
      '(<port> | --systemd) [--cid CID] [--echo | --exec CMD] [--keep] [--seqpacket | --dgram]',
    description:
      'Listens on a vsock port (0 picks a free one, printed on stderr) and pipes the first connection to standard input and output, like ncat. The peer ending its side does not end ours (half-open). --keep serves connections until interrupted. --systemd serves the socket systemd passed instead (ListenStream=vsock::PORT in a .socket unit).',
    positionals: { min: 0, max: 1 },
    options: {
      hybrid,
      transport,
      cid,
      systemd: {
        type: 'boolean',
        description: 'serve the listening socket from systemd socket activation (LISTEN_FDS)',
      },
      echo: { type: 'boolean', description: 'send every byte back' },
      exec: {
        type: 'string',
        value: 'CMD',
        description: 'run CMD (through the shell) per connection, its stdin/stdout on the socket',
      },
      keep: { type: 'boolean', description: 'keep listening after the first connection' },
      seqpacket,
      dgram,
      json: {
        type: 'boolean',
        description: 'with --seqpacket/--dgram: one JSON object per message, with the sender',
      },
    },
    examples: [
      'vmci listen 5000 --echo',
      "vmci listen 6000 --exec 'tar -x -C /srv/in'",
      'vmci listen 5000 > received.bin',
      'vmci listen 7000 --seqpacket --json',
      'ExecStart=/usr/bin/vmci listen --systemd --keep --exec /usr/local/bin/agent   # in a .service',
    ],
    load: () => import('./commands/listen.js'),
  },
  {
    name: 'connect',
    summary: 'connect and pipe stdin/stdout',
    synopsis: '<cid>:<port> [--timeout MS] [--seqpacket | --dgram]',
    description:
      'Connects to a vsock address (cid: a number or host, hypervisor, local) and pipes standard input to it and its bytes to standard output, like ncat. Exits when the peer closes.',
    positionals: { min: 1, max: 1 },
    options: {
      hybrid,
      transport,
      timeout: connectTimeout,
      seqpacket,
      dgram,
      json: {
        type: 'boolean',
        description: 'with --seqpacket/--dgram: one JSON object per received message',
      },
    },
    examples: [
      'vmci connect host:5000 < request.txt > reply.txt',
      'echo hello | vmci connect 3:5000',
      'printf "one\\ntwo\\n" | vmci connect 3:7000 --seqpacket',
    ],
    load: () => import('./commands/connect.js'),
  },
  {
    name: 'proxy',
    summary: 'relay TCP or Unix sockets to vsock and vsock to TCP or Unix, with an allowlist',
    synopsis: '--from ENDPOINT --to ENDPOINT (--allowlist FILE | --allow RULE...) [options]',
    description:
      'Listens on --from and relays every connection to --to. Endpoints: vsock:[CID:]PORT, tcp:[HOST:]PORT, unix:PATH. Outbound targets are denied by default: --to must match a rule from --allowlist (one rule per line, # comments) or --allow, checked at start and again for every connection. Logs one JSON object per event on stderr.',
    positionals: { min: 0, max: 0 },
    options: {
      hybrid,
      transport,
      from: {
        type: 'string',
        value: 'ENDPOINT',
        description: 'where to listen: vsock:[CID:]PORT, tcp:[HOST:]PORT or unix:PATH',
      },
      to: {
        type: 'string',
        value: 'ENDPOINT',
        description: 'where to connect: vsock:CID:PORT, tcp:HOST:PORT or unix:PATH',
      },
      allowlist: {
        type: 'string',
        value: 'FILE',
        description: 'allowed outbound targets, one rule per line (e.g. tcp:10.0.0.5:443)',
        complete: 'file',
      },
      allow: {
        type: 'string',
        value: 'RULE',
        multiple: true,
        description: 'allow one outbound target (repeatable), same syntax as the allowlist',
      },
      'allow-from': {
        type: 'string',
        value: 'RULE',
        multiple: true,
        description:
          'only serve these clients (repeatable): vsock:CID, vsock:*, tcp:ADDRESS, tcp:ADDRESS/PREFIX',
      },
      'max-connections': {
        type: 'string',
        value: 'N',
        description: 'refuse connections beyond N at once (default 500)',
      },
      'idle-timeout': {
        type: 'string',
        value: 'MS',
        description: 'close a relayed connection after MS milliseconds without traffic',
      },
      'connect-timeout': connectTimeout,
      'buffer-size': {
        type: 'string',
        value: 'BYTES',
        description:
          "the vsock side's buffer (SO_VM_SOCKETS_BUFFER_SIZE): each target connection, or the vsock listener and its clients; bytes in flight are capped by the smaller of both ends' (default: the kernel's, 262144)",
      },
      'log-format': {
        type: 'string',
        value: 'FORMAT',
        description: 'json (default) or text',
        complete: ['json', 'text'],
      },
      quiet: { type: 'boolean', short: 'q', description: 'log errors only' },
    },
    examples: [
      'vmci proxy --from tcp:127.0.0.1:8080 --to vsock:3:80 --allow vsock:3:80',
      'vmci proxy --from vsock:8000 --to tcp:kms.internal:443 --allowlist /etc/vmci/allow.list',
      'vmci proxy --from vsock:8000 --allow-from vsock:3 --to tcp:10.0.0.5:443 --allow tcp:10.0.0.5:443',
      'vmci proxy --from unix:/run/agent.sock --to vsock:host:1024 --allow vsock:host:1024',
    ],
    load: () => import('./commands/proxy.js'),
  },
  {
    name: 'send',
    summary: 'send files with name, size and SHA-256 checked by the receiver',
    synopsis: '<cid>:<port> <file>... [--name NAME] [--timeout MS] [--json]',
    description:
      "Sends each file to a 'vmci recv' listener: name, size and content, then its SHA-256. Exits 0 only when the receiver confirms that the size and hash match and the file is in place. Shows a progress bar when stderr is a terminal.",
    positionals: { min: 2, max: Number.POSITIVE_INFINITY, complete: 'file' },
    options: {
      hybrid,
      transport,
      name: {
        type: 'string',
        value: 'NAME',
        description: 'store the (single) file under NAME instead of its base name',
      },
      timeout: connectTimeout,
      'buffer-size': transferBufferSize,
      json: { type: 'boolean', description: 'print one JSON result per file on stdout' },
      'no-progress': { type: 'boolean', description: 'no progress bar even on a terminal' },
    },
    examples: [
      'vmci send host:5001 disk.img',
      'vmci send 3:5001 a.log b.log --json',
      'vmci send 3:5001 build.tar --name latest.tar',
    ],
    load: () => import('./commands/send.js'),
  },
  {
    name: 'recv',
    summary: "receive files from 'vmci send' into a directory",
    synopsis: '<port> [--dir DIR] [--cid CID] [--keep] [--overwrite] [--max-size BYTES] [--json]',
    description:
      'Listens for one sender (or, with --keep, any number) and stores its files in --dir. Data goes to a hidden temporary file that is renamed to the final name only after size and SHA-256 match; on any failure it is deleted, so nothing half-written appears under the final name.',
    positionals: { min: 1, max: 1 },
    options: {
      hybrid,
      transport,
      dir: {
        type: 'string',
        value: 'DIR',
        description: 'where to store files (default: the current directory)',
        complete: 'directory',
      },
      cid,
      keep: { type: 'boolean', description: 'keep receiving after the first sender' },
      overwrite: { type: 'boolean', description: 'replace files that already exist' },
      'max-size': {
        type: 'string',
        value: 'BYTES',
        description: 'refuse files larger than BYTES',
      },
      'idle-timeout': {
        type: 'string',
        value: 'MS',
        description: 'drop a sender that sends nothing for MS milliseconds (partial file deleted)',
      },
      'buffer-size': transferBufferSize,
      json: { type: 'boolean', description: 'print one JSON result per file on stdout' },
      'no-progress': { type: 'boolean', description: 'no progress bar even on a terminal' },
    },
    examples: ['vmci recv 5001 --dir /srv/incoming', 'vmci recv 5001 --keep --json'],
    load: () => import('./commands/recv.js'),
  },
  {
    name: 'share',
    summary: 'share a directory with VMs over vsock (9P2000.L; a Linux guest mounts it)',
    synopsis:
      '<dir> [--port P] [--cid CID] [--read-only] [--allow-from vsock:CID...] [--cross-mounts]',
    description:
      'Serves a directory as 9P2000.L over vsock until interrupted; a Linux guest mounts it with its own kernel (`vmci mount`). Nothing outside the directory is reachable (no `..`, symlinks are never followed by the server), set-ID bits are never set, --read-only refuses every change (EROFS), --allow-from limits which VMs may attach (others get EACCES), and file systems mounted beneath the directory are not served (EXDEV) unless --cross-mounts. The port (0 or omitted: a free one) is printed on stderr.',
    positionals: { min: 1, max: 1, complete: 'directory' },
    options: {
      hybrid,
      transport,
      port: { type: 'string', value: 'P', description: 'the vsock port (default: a free one)' },
      cid,
      'read-only': { type: 'boolean', description: 'refuse every change with EROFS' },
      'cross-mounts': {
        type: 'boolean',
        description: 'serve file systems mounted beneath the directory too (default: EXDEV)',
      },
      'allow-from': {
        type: 'string',
        value: 'vsock:CID',
        multiple: true,
        description: 'only this VM may attach (repeat for more)',
      },
      'max-message-size': {
        type: 'string',
        value: 'BYTES',
        description: 'the largest 9P message (msize) agreed with clients (default 524288)',
      },
    },
    examples: [
      'vmci share ./shared --port 5640 --allow-from vsock:3',
      'vmci share /srv/data --port 5640 --read-only',
    ],
    load: () => import('./commands/share.js'),
  },
  {
    name: 'mount',
    summary: 'mount a vmci share in a Linux guest with the kernel 9p client',
    synopsis: '<cid>:<port> <mountpoint> [--read-only] [--msize BYTES] [--options OPTS]',
    description:
      'Connects to a `vmci share` and hands the connected descriptor to mount(2) as a 9p file system (trans=fd, version=9p2000.L, nosuid, nodev). The mount outlives the command; `umount MOUNTPOINT` ends it. Needs root and the kernel modules 9p and 9pnet (and 9pnet_fd from Linux 6.2).',
    positionals: { min: 2, max: 2, complete: 'directory' },
    options: {
      'read-only': { type: 'boolean', description: 'mount read-only' },
      msize: {
        type: 'string',
        value: 'BYTES',
        description:
          'the 9P message size to ask for (default 524288; the kernel allows up to 1 MiB)',
      },
      options: {
        type: 'string',
        value: 'OPTS',
        description: 'extra 9p mount options, comma-separated (e.g. cache=loose)',
      },
    },
    examples: ['vmci mount host:5640 /mnt/shared', 'vmci mount 2:5640 /mnt/data --read-only'],
    load: () => import('./commands/mount.js'),
  },
  {
    name: 'bench',
    summary: 'round trip and throughput over vsock',
    synopsis: '[<cid>:<port>] [--serve PORT | --virtual] [--size MIB] [--round-trips N] [--json]',
    description:
      "Measures 64-byte round trips and bulk throughput (64 KiB writes). Run 'vmci bench --serve PORT' on one side and 'vmci bench CID:PORT' on the other; --virtual runs both ends in this process on the testkit's hypervisor (no kernel involved).",
    positionals: { min: 0, max: 1 },
    options: {
      hybrid,
      transport,
      serve: {
        type: 'string',
        value: 'PORT',
        description: 'answer benchmark clients on PORT until interrupted',
      },
      virtual: { type: 'boolean', description: "both ends in-process on the testkit's hypervisor" },
      size: { type: 'string', value: 'MIB', description: 'bulk transfer size (default 256)' },
      'round-trips': {
        type: 'string',
        value: 'N',
        description: 'number of 64-byte round trips (default 10000)',
      },
      timeout: connectTimeout,
      json,
    },
    examples: ['vmci bench --serve 5002', 'vmci bench 3:5002', 'vmci bench --virtual --json'],
    load: () => import('./commands/bench.js'),
  },
  {
    name: 'codegen',
    summary: 'header → TypeScript constants and layouts (vmci-codegen)',
    synopsis:
      '<header> --target T[,T...] [--out DIR] [--check] [--json] | --sdk [--target ...] | --config FILE [--check]',
    description:
      "Runs @vmci/header-codegen: parses vmci_sockets.h or linux/vm_sockets.h per target into TypeScript constants with their C types and struct layouts; --sdk finds the installed vmci_sockets.h. Arguments are passed through; 'vmci codegen --help' shows them all. Needs ts-morph (an optional peer dependency).",
    positionals: { min: 0, max: Number.POSITIVE_INFINITY, complete: 'file' },
    options: {},
    passThrough: true,
    examples: [
      'vmci codegen /usr/include/linux/vm_sockets.h --target linux-x64 --json',
      'vmci codegen --sdk --target linux-x64 --out src/generated',
      'vmci codegen --config codegen.config.ts --check',
    ],
    load: () => import('./commands/codegen.js'),
  },
  {
    name: 'completion',
    summary: 'print a shell completion script (bash, zsh or fish)',
    synopsis: '<bash|zsh|fish>',
    description:
      "Prints a completion script for commands and options. Bash: 'source <(vmci completion bash)'; zsh: 'source <(vmci completion zsh)'; fish: 'vmci completion fish | source'.",
    positionals: { min: 1, max: 1, complete: ['bash', 'zsh', 'fish'] },
    options: {},
    examples: [
      'source <(vmci completion bash)',
      'vmci completion fish > ~/.config/fish/completions/vmci.fish',
    ],
    load: () => import('./commands/completion.js'),
  },
];

export function findCommand(name: string): CommandSpec | undefined {
  return commands.find((command) => command.name === name);
}
