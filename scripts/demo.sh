#!/usr/bin/env bash
# Main job: `npm run demo`. Works on a fresh machine with only Node 20 + npm (bootstrap fetches pnpm).
# `vmci demo` runs a virtual hypervisor in-process; `vmci doctor` probes this machine without
# connecting anywhere.
set -euo pipefail
# shellcheck source=scripts/bootstrap.sh
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh" >&2
pnpm -s vmci demo
echo
pnpm -s vmci doctor
