#!/usr/bin/env bash
# Builds and packs the package as it would be published, then lints the tarball: publint checks
# package.json against the files it holds, Are the Types Wrong checks that every entry's types
# resolve, and match the JavaScript, under moduleResolution node10, node16 (CommonJS and ESM)
# and bundler. Either finding fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."

npm run -s build >/dev/null
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
tarball="$out/$(npm pack --silent --pack-destination "$out" | tail -n 1)"
echo "== $(basename "$tarball"): $(du -k "$tarball" | cut -f1) kB, $(tar -tzf "$tarball" | wc -l) files"

npx --no-install publint run "$tarball" --strict
npx --no-install attw "$tarball" --format table-flipped
