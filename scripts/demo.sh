#!/usr/bin/env bash
# The README's main command (`make demo`): set up, build, start the daemon on the default model,
# edit an example image with an instruction (progress bar + live truecolor preview), stop the daemon.
set -euo pipefail
cd "$(dirname "$0")/.."
export OPENBLAS_THREAD_TIMEOUT=${OPENBLAS_THREAD_TIMEOUT:-1} OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
SWIFT_CPU_FLAGS=${SWIFT_CPU_FLAGS:--Xcc -march=x86-64-v3 -Xswiftc -target-cpu -Xswiftc haswell}
IMAGE=${IMAGE:-Examples/noisy-rocket.png}
INSTRUCTION=${INSTRUCTION:-remove the noise}
./scripts/setup.sh
swift build -c release $SWIFT_CPU_FLAGS --product pixwizard
BIN="$(swift build -c release $SWIFT_CPU_FLAGS --show-bin-path)/pixwizard"
tmp=$(mktemp -d /tmp/pixwizard-demo.XXXXXX)
sock="$tmp/pixwizard.sock"
"$BIN" serve --socket "$sock" --no-tcp --models Models >"$tmp/serve.log" 2>&1 &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 1 100); do [ -S "$sock" ] && break; kill -0 $pid 2>/dev/null || { cat "$tmp/serve.log"; exit 1; }; sleep 0.1; done
head -2 "$tmp/serve.log"
mkdir -p out
"$BIN" edit "$IMAGE" "$INSTRUCTION" -o out/demo.png --preview --address "$sock"
kill -TERM $pid; wait $pid; trap 'rm -rf "$tmp"' EXIT
echo "demo: wrote out/demo.png; the daemon stopped cleanly"
