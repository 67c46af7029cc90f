#!/usr/bin/env bash
# The README's test command (after `make setup`): runs every suite, stops on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
export OPENBLAS_THREAD_TIMEOUT=${OPENBLAS_THREAD_TIMEOUT:-1} OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
SWIFT_CPU_FLAGS=${SWIFT_CPU_FLAGS:--Xcc -march=x86-64-v3 -Xswiftc -target-cpu -Xswiftc haswell}
# Each suite may add a step here; suites are scripts/test-*.sh, run in name order, before Swift.
for s in scripts/test-*.sh; do [ -x "$s" ] || continue; echo "== $s"; "$s"; done
echo "== swift test (release: SIMD code is 100-600x slower in debug)"
swift build -c release $SWIFT_CPU_FLAGS -Xswiftc -enable-testing --build-tests
swift test -c release $SWIFT_CPU_FLAGS -Xswiftc -enable-testing --skip-build
for s in scripts/after-swift-*.sh; do [ -x "$s" ] || continue; echo "== $s"; "$s"; done
