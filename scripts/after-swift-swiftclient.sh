#!/usr/bin/env bash
# The Swift client as a third party uses it: Clients/swift is a separate SwiftPM package that depends on
# this one (by path) and links only PixClient. Builds it, runs its example against the real daemon
# (test model) and checks the result PNG and the streamed previews.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
BIN=$(pixwizard_bin)
echo "-- swift client: building the example package Clients/swift (a dependent package)"
tmp=$(mktemp -d /tmp/pw-swiftclient.XXXXXX)
pid=""
cleanup() { if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi; rm -rf "$tmp"; }
trap cleanup EXIT
if ! swift build -c release --package-path Clients/swift >"$tmp/build.log" 2>&1; then
  cat "$tmp/build.log" >&2; echo "Clients/swift did not build" >&2; exit 1
fi
tail -1 "$tmp/build.log"
EX="$(swift build -c release --package-path Clients/swift --show-bin-path)/pixwizard-swift-edit"
python3 Training/fixtures/make_test_model.py --out "$tmp/models/test-random" >/dev/null
"$BIN" serve --socket "$tmp/pw.sock" --no-tcp --models "$tmp/models" >"$tmp/serve.log" 2>&1 &
pid=$!
for _ in $(seq 1 300); do [ -S "$tmp/pw.sock" ] && break; kill -0 "$pid" || { cat "$tmp/serve.log"; exit 1; }; sleep 0.2; done
PIXWIZARD_SOCKET="$tmp/pw.sock" "$EX" "$ROOT/Examples/noisy-rocket.png" "remove the noise" "$tmp/out.png" --steps 4 | tee "$tmp/log"
test "$(grep -c '^preview ' "$tmp/log")" = 4
python3 -c "import sys; from PIL import Image; im = Image.open(sys.argv[1]); assert im.size[0] > 0; print('swift client: result', im.size)" "$tmp/out.png"
kill -TERM "$pid"; wait "$pid"; rc=$?; pid=""
[ $rc = 0 ] || { echo "the daemon exited $rc on SIGTERM" >&2; exit 1; }
echo "-- swift client: ok"
