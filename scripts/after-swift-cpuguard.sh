#!/usr/bin/env bash
# The CPU guard on the real release binaries: on a CPU without AVX2/FMA (qemu-user emulating Nehalem)
# they must print the guard's message and exit 78, never die of SIGILL.
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFT_CPU_FLAGS=${SWIFT_CPU_FLAGS:--Xcc -march=x86-64-v3 -Xswiftc -target-cpu -Xswiftc haswell}
QEMU=$(command -v qemu-x86_64 || command -v qemu-x86_64-static || true)
if [ -z "$QEMU" ]; then echo "cpuguard: qemu-user missing (make setup installs it)" >&2; exit 1; fi
BIN=$(swift build -c release $SWIFT_CPU_FLAGS -Xswiftc -enable-testing --show-bin-path)
for b in pixwizard pixwizard-bench; do
  [ -x "$BIN/$b" ] || { echo "cpuguard: $BIN/$b not built" >&2; exit 1; }
  set +e; msg=$(timeout 120 "$QEMU" -cpu Nehalem "$BIN/$b" --help 2>&1); rc=$?; set -e
  if [ "$rc" != 78 ] || ! grep -q "needs a CPU with AVX2 and FMA" <<<"$msg"; then
    echo "cpuguard: $b under Nehalem exited $rc (want 78 + message): $msg" >&2; exit 1
  fi
  set +e; timeout 120 "$QEMU" -cpu Haswell "$BIN/$b" --help >/dev/null 2>&1; rc=$?; set -e
  if [ "$rc" = 78 ]; then echo "cpuguard: $b refused a Haswell CPU" >&2; exit 1; fi
  echo "cpuguard: $b: Nehalem -> exit 78 with the message; Haswell -> runs (exit $rc)"
done
