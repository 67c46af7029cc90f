#!/usr/bin/env bash
# The PyTorch reference's own checks, and a staleness check of the committed DiT parity fixtures
# (regenerated into a temporary folder by the committed, seeded script and compared byte for byte).
set -euo pipefail
cd "$(dirname "$0")/.."
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE} OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
python -m pytest -q -p no:cacheprovider Training/reference/test_pixwizard_ref.py
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
DIT_FIXTURE_OUT="$tmp" python Training/fixtures/make_dit.py >/dev/null
for f in config.json weights.safetensors forward.safetensors trajectory.safetensors; do
  if ! cmp -s "$tmp/$f" "Tests/Fixtures/dit/$f"; then
    echo "Tests/Fixtures/dit/$f is stale: run python Training/fixtures/make_dit.py" >&2; exit 1
  fi
done
echo "DiT fixtures are up to date"
