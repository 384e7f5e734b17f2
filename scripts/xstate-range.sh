#!/usr/bin/env bash
# Proves the package's xstate peer range: installs the oldest xstate it claims (the floor of
# peerDependencies.xstate) and the newest 5.x on the registry into a temporary folder, then, for
# each, type-checks src/ against that xstate and runs test/unit, test/model and test/integration
# with `xstate` resolved to it (scripts/xstate-range.vitest.config.ts). The project's own install
# and lockfile are left as they are. Prints one line per version; exits non-zero if any fails.
#
#   npm run test:xstate-range                      # the claimed floor and the newest 5.x
#   bash scripts/xstate-range.sh 5.20.0 5.33.3      # other versions
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"

range="$(node -p "require('./package.json').peerDependencies.xstate")"
if [ "$#" -gt 0 ]; then
  specs=("$@")
else
  # "^5.14.0" → "5.14.0"; "^5" is the newest 5.x, pre-releases aside.
  specs=("${range#^}" "^5")
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failures=0

for spec in "${specs[@]}"; do
  dir="$work/$(echo "$spec" | tr -c 'A-Za-z0-9.\n' '_')"
  mkdir -p "$dir"
  echo '{ "private": true }' >"$dir/package.json"
  if ! npm install --prefix "$dir" --no-audit --no-fund --no-package-lock --ignore-scripts --loglevel=error \
    "xstate@$spec" >"$dir/install.log" 2>&1; then
    echo "xstate $spec: FAIL (npm install)"
    cat "$dir/install.log"
    failures=$((failures + 1))
    continue
  fi
  xstate="$dir/node_modules/xstate"
  version="$(node -p "require(process.argv[1]).version" "$xstate/package.json")"
  inRange="$(node -e "
    const [major, minor] = process.argv[1].split('.').map(Number);
    const [floorMajor, floorMinor] = process.argv[2].replace('^', '').split('.').map(Number);
    console.log(major === floorMajor && minor >= floorMinor ? 'yes' : 'no');
  " "$version" "$range")"

  # The library's source, type-checked against this xstate's declarations.
  cat >"$dir/tsconfig.json" <<EOF
{
  "extends": "$root/tsconfig.json",
  "compilerOptions": {
    "typeRoots": ["$root/node_modules/@types"],
    "paths": { "xstate": ["$xstate"], "xstate/*": ["$xstate/*"] }
  },
  "include": ["$root/src"]
}
EOF
  types=ok
  npx tsc -p "$dir/tsconfig.json" --noEmit >"$dir/tsc.log" 2>&1 || types=FAIL

  tests=ok
  NO_COLOR=1 XSTATE_RANGE_PACKAGE="$xstate" npx vitest run --config scripts/xstate-range.vitest.config.ts \
    test/unit test/model test/integration >"$dir/vitest.log" 2>&1 || tests=FAIL
  summary="$(grep -E '^tests: ' "$dir/vitest.log" | tail -n 1 || true)"

  if [ "$types" = ok ] && [ "$tests" = ok ]; then
    echo "xstate $version (in $range: $inRange): PASS (typecheck of src ok; ${summary:-tests: no summary})"
  else
    echo "xstate $version (in $range: $inRange): FAIL (typecheck of src $types; ${summary:-tests: no summary})"
    [ "$types" = ok ] || tail -n 20 "$dir/tsc.log"
    [ "$tests" = ok ] || grep -E '×|FAIL ' "$dir/vitest.log" | head -n 20 || true
    failures=$((failures + 1))
  fi
done

exit $((failures > 0))
