#!/usr/bin/env bash
# Runs every package's real-kernel suite (its `vitest.vm.config.ts`) in ONE guest boot, with the
# `node` first on PATH (VMCI_VM_PACKAGES="a b" picks packages). Called by
# `pnpm test:vm` through scripts/vm/run.sh; refuses to run outside the harness guest.
set -uo pipefail
if ! grep -qw vsock_harness_guest=1 /proc/cmdline; then
  echo "guest-suites: refusing to run outside the nested-VM harness (no vsock_harness_guest=1 on /proc/cmdline)" >&2
  exit 2
fi
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
status=0
ran=0
for config in "$root"/packages/*/vitest.vm.config.ts; do
  [ -e "$config" ] || continue
  dir="$(dirname "$config")"
  # VMCI_VM_PACKAGES="ffi sockets" runs only those packages' suites.
  if [ -n "${VMCI_VM_PACKAGES:-}" ] && [[ " $VMCI_VM_PACKAGES " != *" $(basename "$dir") "* ]]; then
    continue
  fi
  echo "==> $(basename "$dir"): real-kernel suite"
  ran=$((ran + 1))
  (cd "$dir" && "$root/node_modules/.bin/vitest" run --config vitest.vm.config.ts) || status=1
done
if [ "$ran" -eq 0 ]; then
  echo "guest-suites: no vitest.vm.config.ts found" >&2
  exit 1
fi
exit "$status"
