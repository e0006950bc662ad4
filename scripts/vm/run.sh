#!/usr/bin/env bash
# Runs a command inside a throw-away QEMU guest whose kernel has AF_VSOCK with vsock_loopback
# (CID 1), and exits with the command's status. See scripts/vm/README.md.
#
#   scripts/vm/run.sh <command> [args...]      e.g. scripts/vm/run.sh uname -a
#
# The guest sees the host's /usr and /etc read-only and the repository read-write, all at their
# host paths, and starts in the current directory. Output streams to stdout as it happens.
# Environment:
#   VM_TIMEOUT    seconds before qemu is killed (default 900); exit status 124 then. Counts from
#                 the start of the boot that runs the command (not the kernel download/initramfs)
#   VM_BOOT_TIMEOUT  seconds the guest may take to reach user space (default 600; idle ~5 s,
#                 4 min seen at load average 15). A boot that hangs before the command starts is killed
#                 and retried once; the guest kernel's log (loglevel 5, on a second serial port,
#                 kept in the run directory) is printed when that happens
#   VM_PASS_ENV   extra variable names to pass into the guest (CI, VMCI_*, TURBO_* and a few
#                 others always pass)
#   VM_SHARES     extra host directories to share, colon-separated; "dir=rw" for read-write
#   VM_SMP / VM_MEMORY   guest CPUs (default 2) / memory in MiB (default 2048)
#   VM_QUIET=1    no timing summary on stderr
#   VM_KERNEL_ARGS  appended to the guest kernel command line (e.g. "loglevel=7" to debug boot)
#   VM_KERNEL_LOG   a file to copy the guest kernel's console log to after the run
#
# SAFETY: the guest gets no network device and no vsock device (no vhost-vsock): its only vsock
# transport is vsock_loopback. Its kernel command line carries vsock_harness_guest=1, which every
# test that connects checks in /proc/cmdline before it does.
set -uo pipefail

t_start="$EPOCHREALTIME"
VM_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
REPO_ROOT="$(cd "$VM_DIR/../.." && pwd -P)"
TIMEOUT="${VM_TIMEOUT:-900}"

say() { printf 'vm: %s\n' "$*" >&2; }
die() { printf 'vm: error: %s\n' "$*" >&2; exit 125; }

[ "$#" -gt 0 ] || die "usage: scripts/vm/run.sh <command> [args...]"
BOOT_TIMEOUT="${VM_BOOT_TIMEOUT:-600}"
[[ "$TIMEOUT" =~ ^[0-9]+$ ]] || die "VM_TIMEOUT must be a number of seconds (got '$TIMEOUT')"
[[ "$BOOT_TIMEOUT" =~ ^[1-9][0-9]*$ ]] || die "VM_BOOT_TIMEOUT must be a number of seconds (got '$BOOT_TIMEOUT')"

# ---------------------------------------------------------------------------------------------
# Kernel and initramfs
VM_KERNEL="" VM_INITRD=""
prep="$("$VM_DIR/prepare.sh")" || die "scripts/vm/prepare.sh failed"
while IFS='=' read -r key value; do
  case "$key" in
    VM_KERNEL) VM_KERNEL="$value" ;;
    VM_INITRD) VM_INITRD="$value" ;;
  esac
done <<<"$prep"
[ -s "$VM_KERNEL" ] && [ -s "$VM_INITRD" ] || die "prepare.sh gave no kernel/initramfs"
t_prepared="$EPOCHREALTIME"

# ---------------------------------------------------------------------------------------------
# Run directory: shared with the guest as 9p tag "harness" (guest/), plus host-only files.
run="$(mktemp -d "${TMPDIR:-/tmp}/vm-harness.XXXXXX")" || die "mktemp failed"
qemu_pid=""
qemu_done=""
cleanup() {
  [ -n "$qemu_done" ] || [ -n "$qemu_pid" ] || qemu_pid="$(cat "$run/qemu.pid" 2>/dev/null)"
  if [ -z "$qemu_done" ] && [ -n "$qemu_pid" ] && kill -0 "$qemu_pid" 2>/dev/null; then kill "$qemu_pid" 2>/dev/null; fi
  rm -rf "$run"
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT
trap 'say "terminated"; exit 143' TERM HUP
guest="$run/guest"
mkdir -p "$guest"

# Shared directories: "path|mount options". Parents must come before children (sorted below).
shares=("/usr|ro,cache=loose" "/etc|ro,cache=loose" "$REPO_ROOT|rw,cache=${VM_PROJECT_CACHE:-loose}")
# A scratch directory on virtio-9p without the guest's caches (cache=none), at the same path in the
# guest: benches compare against it with the caching their own mount has (@vmci/share's bench).
scratch="$REPO_ROOT/.cache/vm-scratch"
mkdir -p "$scratch" || die "cannot create $scratch"
shares+=("$scratch|rw,cache=none")
links=()
# Top-level directories outside /usr: symlinks as on merged-/usr Debian, else shared read-only.
for d in bin sbin lib lib32 lib64 libx32; do
  if [ -L "/$d" ]; then
    links+=("$d $(readlink "/$d")")
  elif [ -d "/$d" ]; then
    shares+=("/$d|ro,cache=loose")
  fi
done
IFS=':' read -r -a extra <<<"${VM_SHARES:-}"
for e in "${extra[@]}"; do
  [ -n "$e" ] || continue
  dir="$(cd "${e%=rw}" 2>/dev/null && pwd -P)" || die "VM_SHARES: no such directory: ${e%=rw}"
  case "$e" in
    *=rw) shares+=("$dir|rw,cache=none") ;;
    *) shares+=("$dir|ro,cache=loose") ;;
  esac
done

shared_path() { # is <path> (physical) inside one of the shares?
  local s p
  for s in "${shares[@]}"; do
    p="${s%%|*}"
    case "$1/" in "$p"/*) return 0 ;; esac
  done
  return 1
}

# node must be reachable in the guest: share its installation when it lives elsewhere.
if node_bin="$(command -v node)"; then
  node_bin="$(readlink -f "$node_bin")"
  if ! shared_path "$node_bin"; then
    shares+=("$(dirname "$(dirname "$node_bin")")|ro,cache=loose")
  fi
  node_dir="$(dirname "$node_bin")"
else
  node_dir=""
fi

# PATH in the guest: the host's entries that the guest can see, then the usual ones.
guest_path=""
add_path() {
  case ":$guest_path:" in *":$1:"*) return ;; esac
  guest_path="${guest_path:+$guest_path:}$1"
}
IFS=':' read -r -a host_path <<<"$PATH"
for p in "${host_path[@]}"; do
  [ -n "$p" ] && [ -d "$p" ] || continue
  rp="$(cd "$p" && pwd -P)" || continue
  if shared_path "$rp"; then add_path "$p"; fi
done
[ -z "$node_dir" ] || add_path "$node_dir"
for p in /usr/local/sbin /usr/local/bin /usr/sbin /usr/bin /sbin /bin; do add_path "$p"; done

# Working directory: the caller's, when the guest can see it.
cwd="$(pwd -P)"
if ! shared_path "$cwd"; then
  say "warning: $cwd is not shared with the guest; starting in $REPO_ROOT"
  cwd="$REPO_ROOT"
fi

# mounts file for init.sh: "<tag> <options> <path>", sorted so parents come first.
qemu_fs=()
i=0
while IFS='|' read -r path opts; do
  tag="fs$i"
  echo "$tag $opts $path" >>"$guest/mounts"
  ro=""
  case "$opts" in ro,* | ro) ro=",readonly=on" ;; esac
  qemu_fs+=(-fsdev "local,id=$tag,path=${path//,/,,},security_model=none,multidevs=remap$ro"
    -device "virtio-9p-pci,fsdev=$tag,mount_tag=$tag")
  i=$((i + 1))
done < <(printf '%s\n' "${shares[@]}" | LC_ALL=C sort -t'|' -k1,1 -u)
[ "${#links[@]}" -eq 0 ] || printf '%s\n' "${links[@]}" >"$guest/links"
# The command's stdout is a terminal in the guest only when ours is one.
if [ -t 1 ]; then
  size="$(stty size 2>/dev/null </dev/tty)" || size=""
  echo "${size:-24 80}" >"$guest/tty"
fi

# cmd.sh: environment, directory and command, quoted for bash.
{
  echo "# generated by scripts/vm/run.sh"
  printf 'export PATH=%q HOME=/tmp TMPDIR=/tmp LANG=C.UTF-8 USER=root LOGNAME=root\n' "$guest_path"
  if [ -t 1 ]; then
    printf 'export TERM=%q\n' "${TERM:-dumb}"
  else
    echo "export TERM=dumb PYTHONUNBUFFERED=1"
  fi
  for name in $(compgen -e); do
    case " $name " in
      " CI " | " GITHUB_ACTIONS " | " FORCE_COLOR " | " NO_COLOR " | " NODE_OPTIONS " | \
        " VMCI_"* | " TURBO_"* | " LC_ALL ") ;;
      *) case " ${VM_PASS_ENV:-} " in *" $name "*) ;; *) continue ;; esac ;;
    esac
    printf 'export %s=%q\n' "$name" "${!name}"
  done
  printf 'cd -- %q || exit 125\n' "$cwd"
  printf 'exec'
  printf ' %q' "$@"
  printf '\n'
} >"$guest/cmd.sh"

# ---------------------------------------------------------------------------------------------
# Boot. The serial console is qemu's stdout (a pipe into console_filter), stdin is /dev/null:
# no terminal needed, nothing reads from the caller's stdin.
# The kernel's own console is the second serial port (a file, kernel.log): warnings such as a
# soft lockup or an RCU stall stay out of the command's output but explain a boot that hangs.
# init.sh writes the command's output to the first serial port (ttyS0, our stdout).
cmdline="console=ttyS1 panic=-1 quiet loglevel=5 vsock_harness_guest=1 tsc=reliable no_timer_check"
# Boot-time savings under TCG: pci=noacpi skips the ACPI interrupt-link evaluation (~0.12 s per
# PCI device), cryptomgr.notests the crypto self-tests (~0.6 s); the rest avoids probing.
cmdline+=" pci=noacpi cryptomgr.notests i8042.noaux i8042.nokbd i8042.nopnp mitigations=off"
cmdline+=" rdinit=/init"
cmdline+=" ${VM_KERNEL_ARGS:-}"

# Strips the harness markers out of the console stream and records when they were seen.
# awk (not a bash read loop, ~10x slower): line by line, flushed (mawk needs -W interactive).
awk_opts=()
if awk -W version 2>&1 | grep -q mawk; then awk_opts=(-W interactive); fi
export VM_RUN_DIR="$run"
console_filter() {
  awk "${awk_opts[@]}" '
    { sub(/\r$/, "") }
    /^@@VSOCK_HARNESS_READY [0-9.]+@@$/ {
      system("date +%s.%N >\"$VM_RUN_DIR/ready_time\"")
      v = $2; sub(/@@$/, "", v); f = ENVIRON["VM_RUN_DIR"] "/guest_uptime"; print v > f; close(f)
      next
    }
    (i = index($0, "@@VSOCK_HARNESS_EXIT ")) && /@@$/ { # may follow output without a newline
      if (i > 1) print substr($0, 1, i - 1)
      v = substr($0, i + 21); sub(/@@$/, "", v); f = ENVIRON["VM_RUN_DIR"] "/exit_marker"; print v > f; close(f)
      next
    }
    { print; fflush() }'
}

qemu=(
  qemu-system-x86_64 -name vsock-harness
  -M pc -accel tcg -cpu "${VM_CPU:-qemu64}" -smp "${VM_SMP:-2}" -m "${VM_MEMORY:-2048}"
  -nodefaults -display none -no-reboot -nic none
  -chardev stdio,id=console,signal=off -serial chardev:console
  -serial "file:$run/kernel.log"
  -kernel "$VM_KERNEL" -initrd "$VM_INITRD" -append "$cmdline"
  -device virtio-rng-pci # entropy: the first node start waits ~1 s for the CRNG without it
  -fsdev "local,id=harness,path=${guest//,/,,},security_model=none"
  -device virtio-9p-pci,fsdev=harness,mount_tag=harness
  "${qemu_fs[@]}"
  -pidfile "$run/qemu.pid"
)
# SAFETY: never a vsock device (vhost-vsock would connect the guest to this machine's host).
for ((i = 1; i < ${#qemu[@]}; i++)); do
  case "${qemu[i - 1]}" in
    -device | -chardev | -netdev | -object)
      case "${qemu[i]}" in *vsock*) die "refusing to start qemu with ${qemu[i - 1]} ${qemu[i]}" ;; esac ;;
  esac
done

boot() { # one qemu run; returns 3 when the guest did not reach user space in BOOT_TIMEOUT
  rm -f "$run/qemu.pid" "$run/qemu_rc" "$run/ready_time" "$run/kernel.log"
  qemu_pid="" qemu_done=""
  t_boot="$EPOCHREALTIME"
  {
    timeout --foreground -k 10 "$TIMEOUT" "${qemu[@]}" </dev/null
    echo "$?" 2>/dev/null >"$run/qemu_rc"
  } | console_filter &
  pipeline_pid=$!
  # Learn qemu's pid so an interrupted run does not leave it behind.
  for _ in $(seq 50); do
    [ -s "$run/qemu.pid" ] && { qemu_pid="$(cat "$run/qemu.pid")"; break; }
    kill -0 "$pipeline_pid" 2>/dev/null || break
    sleep 0.1
  done
  # Boot watchdog: the command has not started before the ready marker, so a hung boot can be
  # killed and retried without running anything twice.
  local deadline=$((SECONDS + BOOT_TIMEOUT))
  while [ ! -e "$run/ready_time" ] && kill -0 "$pipeline_pid" 2>/dev/null; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      say "error: the guest did not reach user space in ${BOOT_TIMEOUT} s (VM_BOOT_TIMEOUT); qemu was killed"
      [ -z "$qemu_pid" ] || kill "$qemu_pid" 2>/dev/null
      wait "$pipeline_pid"
      qemu_done=1
      say "the guest kernel's log (loglevel 5), last 40 lines:"
      tail -n 40 "$run/kernel.log" 2>/dev/null | sed 's/^/vm:   /' >&2
      return 3
    fi
    sleep 0.1
  done
  wait "$pipeline_pid"
  qemu_done=1
}
boot
if [ "$?" = 3 ]; then
  say "booting again (attempt 2 of 2)"
  boot
  [ "$?" != 3 ] || exit 124
fi
t_end="$EPOCHREALTIME"
[ -z "${VM_KERNEL_LOG:-}" ] || cp "$run/kernel.log" "$VM_KERNEL_LOG" 2>/dev/null || say "warning: no kernel log to copy to $VM_KERNEL_LOG"

qemu_rc="$(cat "$run/qemu_rc" 2>/dev/null || echo 255)"
status=""
if [ -s "$guest/status" ]; then
  status="$(cat "$guest/status")"
elif [ -s "$run/exit_marker" ]; then
  status="$(cat "$run/exit_marker")"
fi

if [ "${VM_QUIET:-}" != 1 ]; then
  secs() { awk -v a="${1/,/.}" -v b="${2/,/.}" 'BEGIN { printf "%.2f", b - a }'; } # , in some locales
  summary="total $(secs "$t_start" "$t_end") s"
  if [ -s "$run/ready_time" ]; then
    t_ready="$(cat "$run/ready_time")"
    uptime="$(cat "$run/guest_uptime" 2>/dev/null)"
    summary="boot $(secs "$t_start" "$t_ready") s (prepare $(secs "$t_start" "$t_prepared") s, guest kernel+init ${uptime} s), command $(secs "$t_ready" "$t_end") s, $summary"
  fi
  say "$summary${status:+, exit status $status}"
fi

if [ -z "$status" ] && { [ "$qemu_rc" = 124 ] || [ "$qemu_rc" = 137 ]; }; then
  say "error: timed out after ${TIMEOUT} s (VM_TIMEOUT); qemu was killed"
  exit 124
fi
if [[ ! "$status" =~ ^[0-9]+$ ]]; then
  say "error: the guest reported no exit status (qemu exit status $qemu_rc)"
  exit 125
fi
exit "$status"
