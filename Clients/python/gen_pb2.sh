#!/usr/bin/env bash
# Regenerates the committed Python protobuf modules (pixwizard/v1/pixwizard_pb2.py{,i}) from Protos/.
#   Clients/python/gen_pb2.sh           write them
#   Clients/python/gen_pb2.sh --check   fail if the committed modules are stale
# Needs protoc 3.21.12 (Debian protobuf-compiler); that gencode runs on the pinned protobuf runtime.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
WANT="3.21.12"
have=$(protoc --version | sed -n 's/^libprotoc \([0-9.]*\).*/\1/p')
if [ "$have" != "$WANT" ]; then echo "gen_pb2: need protoc $WANT, found '${have:-none}'" >&2; exit 2; fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
(cd "$root/Protos" && protoc --python_out="$tmp" --pyi_out="$tmp" pixwizard/v1/pixwizard.proto)
status=0
for f in pixwizard_pb2.py pixwizard_pb2.pyi; do
  if [ "${1:-}" = "--check" ]; then
    cmp -s "$tmp/pixwizard/v1/$f" "$here/pixwizard/v1/$f" || { echo "stale: Clients/python/pixwizard/v1/$f (run Clients/python/gen_pb2.sh)" >&2; status=1; }
  else
    cp "$tmp/pixwizard/v1/$f" "$here/pixwizard/v1/$f"
  fi
done
[ "${1:-}" = "--check" ] && [ $status = 0 ] && echo "gen_pb2: Python protobuf modules are up to date"
exit $status
