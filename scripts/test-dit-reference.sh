#!/usr/bin/env bash
# The PyTorch reference's own checks, and a staleness check of the committed DiT parity fixtures
# (regenerated into a temporary folder by the committed, seeded script and compared within float rounding).
set -euo pipefail
cd "$(dirname "$0")/.."
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE} OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
python -m pytest -q -p no:cacheprovider Training/reference/test_pixwizard_ref.py
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
DIT_FIXTURE_OUT="$tmp" python Training/fixtures/make_dit.py >/dev/null
# Same seeds, so only float rounding may differ (AVX2 vs AVX-512 kernels): Training/fixtures/compare_fixtures.py.
if ! python Training/fixtures/compare_fixtures.py "$tmp" Tests/Fixtures/dit; then
  echo "Tests/Fixtures/dit is stale: run python Training/fixtures/make_dit.py" >&2; exit 1
fi
echo "DiT fixtures are up to date"
