# Sourced by the scripts under scripts/: the repository root, the launch environment and the paths of
# the release build. `source "$(dirname "$0")/lib/common.sh"` after `set -euo pipefail`.
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ROOT=$(pwd)
export OPENBLAS_THREAD_TIMEOUT=${OPENBLAS_THREAD_TIMEOUT:-1} OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
SWIFT_CPU_FLAGS=${SWIFT_CPU_FLAGS:--Xcc -march=x86-64-v3 -Xswiftc -target-cpu -Xswiftc haswell}
# The release `pixwizard` binary (or $PIXWIZARD_BIN).
pixwizard_bin() { echo "${PIXWIZARD_BIN:-$(swift build -c release $SWIFT_CPU_FLAGS --show-bin-path)/pixwizard}"; }
