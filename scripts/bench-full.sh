#!/usr/bin/env bash
# `make bench-full`: the full-size official pipeline at 512² with random weights in the official layout
# (generated here, never committed; ~10 GB under $PIXWIZARD_FULL_DIR, default .build/full-random-official).
# Prints: full_pixwizard res=512 s_per_step=… encode_s=… decode_s=… peak_rss_gib=…
set -euo pipefail
cd "$(dirname "$0")/.."
export OPENBLAS_THREAD_TIMEOUT=${OPENBLAS_THREAD_TIMEOUT:-1} OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
SWIFT_CPU_FLAGS=${SWIFT_CPU_FLAGS:--Xcc -march=x86-64-v3 -Xswiftc -target-cpu -Xswiftc haswell}
DIR=${PIXWIZARD_FULL_DIR:-.build/full-random-official}
DTYPE=${PIXWIZARD_FULL_DTYPE:-bf16}
STEPS=${PIXWIZARD_FULL_STEPS:-2}
if ! grep -q "\"dtype\": \"$DTYPE\"" "$DIR/config.json" 2>/dev/null; then
  echo "bench-full: generating full-size random weights ($DTYPE) in $DIR"
  python3 Training/make_full_random_official.py "$DIR" --dtype "$DTYPE"
fi
swift build -c release $SWIFT_CPU_FLAGS --product pixwizard-bench-full >/dev/null
BIN=$(swift build -c release $SWIFT_CPU_FLAGS --show-bin-path)
"$BIN/pixwizard-bench-full" "$DIR" "$STEPS" 512
