#!/usr/bin/env bash
# Fails when the committed protobuf-c output in Sources/CProtobufC is stale against Protos/.
set -euo pipefail
exec "$(dirname "$0")/gen-protos.sh" --check
