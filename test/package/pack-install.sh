#!/usr/bin/env bash
# The package as users get it: pack this clone, install the tarball into an empty folder (with
# vitest from the registry), then run the CLI and the shipped library example there.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$root"
tarball="$(npm pack --silent --pack-destination "$work" | tail -1)"
cd "$work"
npm init -y >/dev/null
vitest="$(node -p 'require(process.argv[1]).devDependencies.vitest' "$root/package.json")"
npm install --no-audit --no-fund --silent "./$tarball" "vitest@$vitest" >/dev/null
npx seldon-sim --version
npx seldon-sim run node_modules/seldon-sim/scenarios/faults --quiet
# the report page's script and style ship with the compiled code
npx seldon-sim run node_modules/seldon-sim/scenarios/faults --quiet --html report.html
grep -q "<style>" report.html
cp node_modules/seldon-sim/examples/library/iris.test.ts .
npx vitest run
