/**
 * A guard for processes that must never touch AF_VSOCK: a tiny C program, built with gcc on first
 * use, that installs a seccomp filter making `socket(AF_VSOCK, …)` fail with EAFNOSUPPORT and then
 * execs the command. Host tests start processes that join a served hypervisor under it, so a
 * fallback to the kernel transport shows up as an error — never as traffic to a real hypervisor.
 *
 * Linux x86-64 and arm64; needs gcc and the kernel headers (linux/seccomp.h, linux/filter.h).
 * Other ABIs on the same machine (x32, i386) are killed rather than filtered.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const source = String.raw`/* no-vsock: exec a command with socket(AF_VSOCK, ...) failing with EAFNOSUPPORT. */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#define GUARD_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define GUARD_ARCH AUDIT_ARCH_AARCH64
#else
#error "no-vsock supports x86-64 and arm64"
#endif
#define AF_VSOCK_VALUE 40

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: no-vsock COMMAND [ARG]...\n");
    return 2;
  }
  struct sock_filter filter[] = {
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, GUARD_ARCH, 1, 0),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
    BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1), /* x32 system calls */
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_socket, 0, 3),
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_VSOCK_VALUE, 0, 1),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EAFNOSUPPORT & SECCOMP_RET_DATA)),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog program = { .len = sizeof(filter) / sizeof(filter[0]), .filter = filter };
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
      prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) != 0) {
    fprintf(stderr, "no-vsock: cannot install the seccomp filter: %s\n", strerror(errno));
    return 126;
  }
  execvp(argv[1], argv + 1);
  fprintf(stderr, "no-vsock: cannot run %s: %s\n", argv[1], strerror(errno));
  return 127;
}
`;

let built: Promise<string> | undefined;

/**
 * The path of the guard executable (`<guard> <command> [args…]`), built with gcc once per source
 * version and cached under the system's temporary directory.
 */
export function noVsockGuard(): Promise<string> {
  built ??= (async () => {
    const hash = createHash('sha256').update(source).digest('hex').slice(0, 12);
    const dir = join(tmpdir(), `vmci-no-vsock-${process.getuid?.() ?? 'user'}`);
    const binary = join(dir, `no-vsock-${hash}`);
    if (existsSync(binary)) return binary;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const file = join(dir, `no-vsock-${hash}.c`);
    writeFileSync(file, source);
    const partial = `${binary}.${process.pid}`;
    await promisify(execFile)('gcc', ['-O2', '-Wall', '-o', partial, file]);
    renameSync(partial, binary);
    return binary;
  })();
  return built;
}
