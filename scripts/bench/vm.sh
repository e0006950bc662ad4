#!/usr/bin/env bash
# `pnpm bench:vm`: the real-kernel benchmarks in ONE nested-VM boot (scripts/vm/run.sh), so every
# ratio compares figures from the same guest and the same moment:
#   1. packages/sockets/bench/guest.ts — round trip and bulk of backends A and B against C on
#      vsock and of `net` against C on AF_UNIX (the fair overhead ratio), bulk at larger buffers;
#   2. packages/cli/bench/vm.ts — `vmci send`→`recv` vs socat, `vmci proxy` vs socat (latency at
#      1/30/300 connections, bulk), connects + accepts per second vs C, memory per connection.
# Each prints a table and writes packages/<pkg>/bench/results-*.json (gitignored).
#
# On the host it builds the vmci bundle (what users run) and has prepare.sh install socat (a
# Debian package; the guest shares /usr). The guest gets VM_MEMORY (default 4096 MiB: the 1 GiB
# file exists twice on tmpfs). Knobs, passed into the guest: BENCH_RTT BENCH_BULK_MIB BENCH_REPS
# BENCH_BUFFER_SIZES BENCH_FILE_MIB BENCH_PROXY_MIB BENCH_PROXY_RTT BENCH_CONCURRENCY
# BENCH_CONNECTS BENCH_HOLD (see the bench READMEs); BENCH_VM_PARTS="sockets cli" picks parts.
# A quick run: BENCH_QUICK=1 pnpm bench:vm (tiny sizes, one run each: checks that it all works).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"

knobs=(BENCH_RTT BENCH_BULK_MIB BENCH_REPS BENCH_BUFFER_SIZES BENCH_FILE_MIB BENCH_PROXY_MIB
  BENCH_PROXY_RTT BENCH_CONCURRENCY BENCH_CONNECTS BENCH_HOLD BENCH_VM_PARTS BENCH_CPU_PROF BENCH_TRANSFER_BUFFER_SIZES
  BENCH_CLI_PARTS BENCH_VMCI_BASE BENCH_SETUP_BASE BENCH_SETUP_ONLY BENCH_PROXY_BASE BENCH_PROXY_BUFFER_SIZE)

if [ "${1:-}" = "--guest" ]; then
  if ! grep -qw vsock_harness_guest=1 /proc/cmdline; then
    echo "bench-vm: refusing to run outside the nested-VM harness (no vsock_harness_guest=1 on /proc/cmdline)" >&2
    exit 2
  fi
  tsx="$root/node_modules/.bin/tsx"
  status=0
  parts=" ${BENCH_VM_PARTS:-sockets cli} "
  if [[ "$parts" == *" sockets "* ]]; then
    echo "==> sockets: backends A and B against C (packages/sockets/bench/guest.ts)"
    "$tsx" packages/sockets/bench/guest.ts || status=1
  fi
  if [[ "$parts" == *" cli "* ]]; then
    echo "==> cli: send/recv, proxy, connection setup, memory (packages/cli/bench/vm.ts)"
    "$tsx" packages/cli/bench/vm.ts || status=1
  fi
  exit "$status"
fi

if [ -n "${BENCH_QUICK:-}" ]; then
  export BENCH_RTT="${BENCH_RTT:-200}" BENCH_BULK_MIB="${BENCH_BULK_MIB:-4}" BENCH_REPS="${BENCH_REPS:-1}"
  export BENCH_FILE_MIB="${BENCH_FILE_MIB:-16}" BENCH_PROXY_MIB="${BENCH_PROXY_MIB:-4}"
  export BENCH_PROXY_RTT="${BENCH_PROXY_RTT:-200}" BENCH_CONCURRENCY="${BENCH_CONCURRENCY:-1,30}"
  export BENCH_CONNECTS="${BENCH_CONNECTS:-50}" BENCH_HOLD="${BENCH_HOLD:-200}"
  export BENCH_BUFFER_SIZES="${BENCH_BUFFER_SIZES:-262144,1048576}"
fi

echo "bench-vm: building the vmci bundle (packages/cli/dist)" >&2
(cd packages/cli && "$root/node_modules/.bin/tsx" build.ts)
export VM_EXTRA_PACKAGES="${VM_EXTRA_PACKAGES:-} socat"
export VM_MEMORY="${VM_MEMORY:-4096}"
export VM_PASS_ENV="${VM_PASS_ENV:-} ${knobs[*]}"
export VM_TIMEOUT="${VM_TIMEOUT:-5400}"
exec bash scripts/vm/run.sh bash scripts/bench/vm.sh --guest
