#!/usr/bin/env bash
# All tests: `npm test`. Works on a fresh machine with only Node 20 + npm (bootstrap fetches pnpm).
set -euo pipefail
# shellcheck source=scripts/bootstrap.sh
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"

step() { printf '\n==> %s\n' "$*"; }

step "lint"
pnpm lint

step "typecheck"
pnpm typecheck

step "codegen:check (generated files are current)"
pnpm codegen:check

step "unit tests on Node $(node --version)"
pnpm test:unit

node24="$(ensure_node24)"
node24_dir="$(dirname "$node24")"
step "unit tests on Node $("$node24" --version) ($node24)"
# --force: turbo's cache key ignores the Node version, so without it the run above would be replayed.
PATH="$node24_dir:$PATH" pnpm test:unit --force

step "nested-VM harness self-test"
bash scripts/vm/selftest.sh

step "real-kernel AF_VSOCK suites in the nested VM (vsock_loopback, CID 1)"
pnpm test:vm

step "all tests passed"
