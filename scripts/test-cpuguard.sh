#!/usr/bin/env bash
# The CPU guard itself (before the Swift build): Sources/CPUGuard/CPUGuard.c compiled with the release
# C flags (-march=x86-64-v3 reaches C targets) and linked with a main that executes AVX2/FMA code.
# Under qemu-user emulating Nehalem it must print its message and exit 78 (not SIGILL); the real
# binaries are checked after the build by scripts/after-swift-cpuguard.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
QEMU=$(command -v qemu-x86_64 || command -v qemu-x86_64-static || true)
if [ -z "$QEMU" ]; then echo "cpuguard: qemu-user missing (make setup installs it)" >&2; exit 1; fi
CC=${CC:-$(command -v clang || command -v cc)}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/main.c" <<'C'
#include <immintrin.h>
#include <stdio.h>
int main(int argc, char **argv) {
    (void)argv;
    __m256 a = _mm256_set1_ps((float)argc), b = _mm256_fmadd_ps(a, a, a);
    float out[8]; _mm256_storeu_ps(out, b);
    printf("%.1f\n", out[0]);
    return 0;
}
C
"$CC" -O2 -march=x86-64-v3 -ISources/CPUGuard/include Sources/CPUGuard/CPUGuard.c "$tmp/main.c" -o "$tmp/guarded"
set +e; msg=$("$QEMU" -cpu Nehalem "$tmp/guarded" 2>&1); rc=$?; set -e
if [ "$rc" != 78 ] || ! grep -q "needs a CPU with AVX2 and FMA" <<<"$msg"; then
  echo "cpuguard: Nehalem run exited $rc (want 78 + message): $msg" >&2; exit 1
fi
out=$("$QEMU" -cpu Haswell "$tmp/guarded" 2>/dev/null)
[ "$out" = "2.0" ] || { echo "cpuguard: Haswell run printed $out" >&2; exit 1; }
echo "cpuguard: Nehalem -> exit 78 with the message; Haswell -> runs"
