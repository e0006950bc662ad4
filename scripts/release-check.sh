#!/usr/bin/env bash
# Release checks (npm test runs them): the changesets parse and plan a version of at least 0.1.0
# for every published package, and a recursive publish dry run (which builds each package through
# its prepublishOnly script) packs every package, so a broken package cannot reach a release.
set -euo pipefail
# shellcheck source=scripts/bootstrap.sh
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh" >&2

# `changeset status` compares with the base branch (main in .changeset/config.json) and fails when
# a package changed without a changeset. A clone without that ref (a detached CI checkout) checks
# only that the changesets parse, against HEAD.
status_json="$(mktemp)"
trap 'rm -f "$status_json"' EXIT
if git rev-parse --verify -q 'main^{commit}' >/dev/null; then
  pnpm -s changeset status --verbose
  pnpm -s changeset status --output="$status_json" >/dev/null
else
  echo "release-check: no 'main' ref here; checking that the changesets parse (since HEAD)"
  pnpm -s changeset status --since=HEAD --output="$status_json" >/dev/null
fi
# Every published package's next version (or its current one, without a pending change) is >= 0.1.0.
node - "$status_json" <<'NODE'
const { readFileSync, readdirSync } = require('node:fs');
const status = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const planned = new Map(status.releases.map((r) => [r.name, r.newVersion]));
let bad = 0;
for (const dir of readdirSync('packages')) {
  const manifest = JSON.parse(readFileSync(`packages/${dir}/package.json`, 'utf8'));
  if (manifest.private) continue;
  const next = planned.get(manifest.name) ?? manifest.version;
  const [major, minor] = next.split('.').map(Number);
  const ok = major > 0 || minor >= 1;
  console.log(`${ok ? 'ok ' : 'BAD'} ${manifest.name}: ${manifest.version} -> ${next}`);
  if (!ok) bad++;
}
if (bad) {
  console.error('release-check: versions start at 0.1.0: add a minor changeset (pnpm changeset)');
  process.exit(1);
}
NODE

log="$(mktemp)"
trap 'rm -f "$status_json" "$log"' EXIT
if ! pnpm -r publish --dry-run --no-git-checks >"$log" 2>&1; then
  cat "$log"
  echo "release-check: the publish dry run failed" >&2
  exit 1
fi
grep -E '^\+ |Publishing to' "$log"
expected="$(node -e 'const fs = require("node:fs");
  console.log(fs.readdirSync("packages").filter((d) => !JSON.parse(fs.readFileSync(`packages/${d}/package.json`, "utf8")).private).length)')"
public="$(grep -c 'with tag latest and public access (dry-run)' "$log" || true)"
if [ "$public" != "$expected" ]; then
  echo "release-check: $public of $expected packages would be published with public access" >&2
  exit 1
fi
echo "release-check: $expected packages would publish"
