#!/usr/bin/env bash
# Main job: `npm run demo`. Works on a fresh machine with only Node 20 + npm (bootstrap fetches pnpm).
set -euo pipefail
# shellcheck source=scripts/bootstrap.sh
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh" >&2
pnpm exec tsx scripts/demo.ts
