#!/usr/bin/env bash
# Consumer test: the packages as a user gets them. Builds and packs every package (pnpm pack), runs
# publint and attw on each tarball, installs the tarballs with plain npm into temporary projects
# outside the workspace (no workspace links, no path imports; third-party packages from the npm
# registry through npm's cache) and uses them there as the READMEs say. Prints PASS/FAIL/SKIP per
# check and exits 1 if any check failed.
#
#   bash scripts/consumer/run.sh            (npm test runs it)
#   VMCI_CONSUMER_KEEP=1 bash scripts/consumer/run.sh   keeps the temporary projects for a look
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/bootstrap.sh
source "$here/../bootstrap.sh" >&2 || exit 1
ensure_test_packages >&2 # linux-libc-dev: /usr/include/linux/vm_sockets.h for vmci-codegen

work="$(mktemp -d "${TMPDIR:-/tmp}/vmci-consumer.XXXXXX")"
if [ "${VMCI_CONSUMER_KEEP:-0}" = 1 ]; then
  echo "consumer: keeping $work"
else
  trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$work/tarballs" "$work/logs"
npm_install() { npm install --no-audit --no-fund --prefer-offline --loglevel=error "$@"; }
bin_dir="$VMCI_REPO_ROOT/node_modules/.bin"
started=$SECONDS
passed=0 failed=0 skipped=0 failures=()

# check NAME COMMAND...: runs COMMAND (its output into a log), prints PASS or FAIL with the output.
check() {
  local name="$1" log t0=$SECONDS
  shift
  log="$work/logs/$((passed + failed + skipped)).log"
  if "$@" >"$log" 2>&1; then
    passed=$((passed + 1))
    printf 'PASS  %s (%ss)\n' "$name" $((SECONDS - t0))
    sed 's/\x1b\[[0-9;]*m//g; s/^/        /' "$log" | head -n "${VMCI_CONSUMER_LINES:-6}"
  else
    failed=$((failed + 1))
    failures+=("$name")
    printf 'FAIL  %s (%ss)\n' "$name" $((SECONDS - t0))
    sed 's/\x1b\[[0-9;]*m//g; s/^/        /' "$log" | tail -n 40
  fi
}
skip() {
  skipped=$((skipped + 1))
  printf 'SKIP  %s — %s\n' "$1" "$2"
}
# Fails unless the command's output contains the text.
expect_output() {
  local text="$1" out
  shift
  out="$("$@" 2>&1)" || { printf '%s\n(exit status %s)\n' "$out" "$?"; return 1; }
  printf '%s\n' "$out"
  grep -qF -- "$text" <<<"$out" || { echo "expected output containing: $text"; return 1; }
}

# ---- build and pack -------------------------------------------------------------------------
packages=(ffi sockets hybrid testkit conformance share transfer proxy header-codegen cli)
check "pnpm build (every package)" pnpm -s build --output-logs=errors-only
pack_all() {
  local p
  for p in "${packages[@]}"; do
    (cd "$VMCI_REPO_ROOT/packages/$p" && pnpm pack --pack-destination "$work/tarballs" >/dev/null) || return 1
  done
  ls -l "$work/tarballs" | awk 'NR > 1 { printf "%s  %6.1f KiB\n", $NF, $5 / 1024 }'
}
check "pnpm pack (${#packages[@]} tarballs)" pack_all
tarball() { ls "$work/tarballs/vmci-$1-"*.tgz 2>/dev/null | head -n 1; }

# ---- every tarball: manifest, contents, publint, attw ----------------------------------------
tarball_contents() {
  local tgz="$1" manifest listing
  manifest="$(tar -xOzf "$tgz" package/package.json)" || return 1
  if grep -nE '"(workspace|catalog):' <<<"$manifest"; then
    echo "the packed manifest still has workspace:/catalog: ranges"
    return 1
  fi
  if grep -nE '"\./src/' <<<"$manifest"; then
    echo "the packed manifest points into src/ (publishConfig not applied)"
    return 1
  fi
  listing="$(tar -tzf "$tgz" | sed 's|^package/||')"
  if grep -nE '(^|/)(test|test-vm|bench|fixtures)/|\.test\.|vitest\.(vm\.)?config|tsconfig|build\.ts$' <<<"$listing"; then
    echo "tests, benches or build files in the tarball"
    return 1
  fi
  printf '%s files: %s\n' "$(wc -l <<<"$listing")" "$(awk -F/ '{ print $1 }' <<<"$listing" | sort -u | tr '\n' ' ')"
}
for p in "${packages[@]}"; do
  tgz="$(tarball "$p")"
  check "@vmci/$p: packed manifest and contents" tarball_contents "$tgz"
  check "@vmci/$p: publint --strict" "$bin_dir/publint" run --strict "$tgz"
  # ESM-only packages (type: module, no require condition, Node >= 20.11): the esm-only profile
  # ignores node10 and require() from CommonJS, which these packages do not offer.
  check "@vmci/$p: attw --profile esm-only" "$bin_dir/attw" --profile esm-only --no-emoji --no-color "$tgz"
done

# ---- a user's project with every package ------------------------------------------------------
app="$work/app"
cp -r "$here/fixture" "$app"
# @vmci/conformance's README example, as a user's test file: the suite against the testkit.
cp "$VMCI_REPO_ROOT/packages/conformance/examples/testkit.test.ts" "$app/conformance.test.ts"
install_all() {
  local tgz=() p
  for p in "${packages[@]}"; do tgz+=("$(tarball "$p")"); done
  (cd "$app" && npm_install "${tgz[@]}") || return 1
  du -sh "$app/node_modules" | cut -f1
}
check "npm install of the ${#packages[@]} tarballs into $app" install_all
# Every @vmci package comes from its tarball, once (never from the registry, never nested).
from_tarballs() {
  node -e '
    const lock = require(process.argv[1]);
    let bad = 0;
    for (const [path, entry] of Object.entries(lock.packages)) {
      if (!/(^|\/)@vmci\//.test(path)) continue;
      const ok = path.split("node_modules/").length === 2 && entry.resolved?.startsWith("file:");
      console.log(`${ok ? "ok " : "BAD"} ${path} ${entry.version} ${entry.resolved}`);
      if (!ok) bad++;
    }
    process.exit(bad ? 1 : 0);
  ' "$app/package-lock.json"
}
check "every @vmci package installed from its tarball" from_tarballs

in_app() { (cd "$app" && "$@"); }
for scenario in echo http seqpacket policy share; do
  check "ESM app on the testkit: $scenario" in_app node app.mjs "$scenario"
done
check "ESM app on @vmci/hybrid: a fake VMM's Unix socket, echo, ERR_VMCI_UNSUPPORTED" in_app node hybrid.mjs
check "tsc: types.ts (module nodenext, strict, skipLibCheck false)" in_app node_modules/.bin/tsc -p tsconfig.json
check "vitest on @vmci/testkit/vitest and @vmci/conformance (its README example)" in_app node_modules/.bin/vitest run

version="$(node -p "require('$app/node_modules/@vmci/cli/package.json').version")"
check "vmci --version prints $version" expect_output "$version" in_app node_modules/.bin/vmci --version
doctor_json() {
  in_app node_modules/.bin/vmci doctor --json >"$work/doctor.json" || return 1
  node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(Object.keys(r).join(", ")); process.exit(r.addressFamily?.value > 0 ? 0 : 1)' "$work/doctor.json"
}
check "vmci doctor --json" doctor_json
check "vmci demo (virtual hypervisor)" expect_output "done: every socket closed." in_app node_modules/.bin/vmci demo

# ---- regenerating bindings --------------------------------------------------------------------
header=/usr/include/linux/vm_sockets.h
codegen_header() {
  in_app node_modules/.bin/vmci-codegen "$header" --target linux-x64,linux-arm64 --pre-include sys/ioctl.h --out from-header || return 1
  ls "$app/from-header"
  grep -q 'VMADDR_CID_ANY' "$app/from-header/vm_sockets.linux-x64.ts" || return 1
  in_app node_modules/.bin/vmci-codegen "$header" --target linux-x64,linux-arm64 --pre-include sys/ioctl.h --out from-header --check
}
check "vmci-codegen $header --out (then --check)" codegen_header
codegen_config() {
  local node_bin="$1"
  rm -rf "$app/generated"
  echo "node $("$node_bin" --version)"
  in_app env PATH="$(dirname "$node_bin"):$PATH" node_modules/.bin/vmci-codegen --config codegen.config.ts || return 1
  ls "$app/generated"
  [ -f "$app/generated/vm_sockets.linux-arm64.ts" ] || return 1
  in_app env PATH="$(dirname "$node_bin"):$PATH" node_modules/.bin/vmci-codegen --config codegen.config.ts --check
}
node24="$(ensure_node 24)"
check "vmci-codegen --config codegen.config.ts on Node 24" codegen_config "$node24"
check "vmci-codegen --config codegen.config.ts on Node $(node --version)" codegen_config "$(command -v node)"
check "vmci codegen (the CLI's subcommand, ts-morph installed)" expect_output "VMADDR_CID_ANY" \
  in_app node_modules/.bin/vmci codegen "$header" --target linux-x64 --pre-include sys/ioctl.h --json

# ---- one package alone: what it installs --------------------------------------------------------
# alone NAME DIR TARBALL...: a fresh project with only these tarballs; prints the installed size.
alone() {
  local dir="$work/$1"
  shift
  mkdir -p "$dir" && (cd "$dir" && npm init -y >/dev/null && npm_install "$@") || return 1
  printf 'node_modules: %s KiB on disk, %s packages: %s\n' \
    "$(du -sk "$dir/node_modules" | cut -f1)" \
    "$(find "$dir/node_modules" -name package.json -path '*/node_modules/*/package.json' -not -path '*/node_modules/*/node_modules/*/*/package.json' | grep -cE 'node_modules/(@[^/]+/)?[^/@]+/package.json$')" \
    "$(cd "$dir" && npm ls --all --parseable 2>/dev/null | sed -n 's|.*/node_modules/||p' | sort -u | tr '\n' ' ')"
}
check "@vmci/cli alone: installed size" alone cli-alone "$(tarball cli)"
check "@vmci/cli alone: vmci demo without ts-morph" expect_output "done: every socket closed." \
  bash -c "cd '$work/cli-alone' && node_modules/.bin/vmci demo"
check "@vmci/cli alone: ts-morph not installed" bash -c "! test -e '$work/cli-alone/node_modules/ts-morph'"
codegen_without_ts_morph() {
  local out status
  out="$(cd "$work/cli-alone" && node_modules/.bin/vmci codegen "$header" --target linux-x64 --json 2>&1)"
  status=$?
  printf '%s\n(exit status %s)\n' "$out" "$status"
  # One sentence that names ts-morph and says to install it: not a stack, not Node's raw
  # ERR_MODULE_NOT_FOUND.
  [ "$status" = 1 ] && grep -q 'ts-morph' <<<"$out" && grep -qi 'install' <<<"$out" &&
    ! grep -q '^ *at \|ERR_MODULE_NOT_FOUND' <<<"$out"
}
check "@vmci/cli alone: vmci codegen says to install ts-morph" codegen_without_ts_morph
check "@vmci/sockets alone: installed size" alone sockets-alone "$(tarball sockets)" "$(tarball ffi)"
check "@vmci/hybrid alone: installed size" alone hybrid-alone "$(tarball hybrid)" "$(tarball sockets)" "$(tarball ffi)"
check "@vmci/hybrid alone: connects through a fake VMM's Unix socket (no AF_VSOCK)" bash -c \
  "cp '$here/fixture/hybrid.mjs' '$work/hybrid-alone/' && cd '$work/hybrid-alone' && node hybrid.mjs"
check "@vmci/header-codegen alone: installed size" alone codegen-alone "$(tarball header-codegen)"
check "@vmci/share alone: installed size" alone share-alone "$(tarball share)" "$(tarball sockets)" "$(tarball ffi)"
check "@vmci/share alone: imports, and refuses a missing directory with ERR_VMCI_SHARE_ROOT" bash -c "cd '$work/share-alone' && node --input-type=module -e \"
  import { createShareServer, encodeMessage, decodeMessage } from '@vmci/share';
  const frame = encodeMessage('Tclunk', 1, { fid: 7 });
  if (decodeMessage(frame).fid !== 7) process.exit(1);
  try { createShareServer({ root: '/nonexistent-dir' }); process.exit(1); }
  catch (error) { console.log(error.code); if (error.code !== 'ERR_VMCI_SHARE_ROOT') process.exit(1); }\""
check "@vmci/transfer alone: installed size" alone transfer-alone "$(tarball transfer)" "$(tarball sockets)" "$(tarball ffi)"
check "@vmci/transfer alone: imports, encodes a preamble, refuses an empty batch before connecting" bash -c "cd '$work/transfer-alone' && node --input-type=module -e \"
  import { encodePreamble, PROTOCOL_VERSION, sendFiles, TransferError } from '@vmci/transfer';
  if (encodePreamble().toString('latin1', 0, 4) !== 'VMXF' || PROTOCOL_VERSION !== 1) process.exit(1);
  try { await sendFiles({ cid: 'host', port: 5001, files: [] }); process.exit(1); }
  catch (error) { console.log(error.code); if (!TransferError.isInstance(error) || error.code !== 'ERR_VMCI_INVALID_ARGUMENT') process.exit(1); }\""
check "@vmci/proxy alone: installed size" alone proxy-alone "$(tarball proxy)" "$(tarball sockets)" "$(tarball ffi)"
check "@vmci/proxy alone: relays TCP to TCP, and denies a target no rule allows" bash -c "cd '$work/proxy-alone' && node --input-type=module -e \"
  import { createServer, connect } from 'node:net';
  import { text } from 'node:stream/consumers';
  import { parseEndpoint, startProxy } from '@vmci/proxy';
  if (parseEndpoint('vsock:host:1024', 'connect').cid !== 2) process.exit(1);
  const echo = createServer((socket) => socket.pipe(socket));
  await new Promise((resolve) => echo.listen(0, '127.0.0.1', resolve));
  const to = 'tcp:127.0.0.1:' + echo.address().port;
  try { await startProxy({ from: 'tcp:0', to }); process.exit(1); }
  catch (error) { console.log(error.code); if (error.code !== 'ERR_VMCI_INVALID_ARGUMENT') process.exit(1); }
  const proxy = await startProxy({ from: 'tcp:0', to, allow: [to] });
  const client = connect(proxy.from.port, '127.0.0.1');
  client.end('hello');
  const reply = await text(client);
  console.log(reply);
  await proxy.close();
  echo.close();
  if (reply !== 'hello') process.exit(1);\""
check "@vmci/sockets alone: imports and picks a kernel backend (no connect)" bash -c "cd '$work/sockets-alone' && node --input-type=module -e \"
  import { createServer, detectBackend } from '@vmci/sockets';
  const server = createServer(() => {});
  console.log(typeof server.listen, detectBackend());\""

printf '\nconsumer test: %d passed, %d failed, %d skipped in %ss\n' "$passed" "$failed" "$skipped" $((SECONDS - started))
if [ "$failed" -gt 0 ]; then
  printf 'failed: %s\n' "${failures[@]}"
  exit 1
fi
