#!/usr/bin/env bash
# The main job: `npm run demo`.
set -euo pipefail
# shellcheck source=scripts/bootstrap.sh
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"

pnpm --filter @vmci/header-codegen exec tsx src/cli.ts /usr/include/linux/vm_sockets.h \
  --target linux-x64 --json
