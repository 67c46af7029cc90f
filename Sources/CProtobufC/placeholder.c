// generated protobuf-c code lands here (scripts/gen-protos.sh)
