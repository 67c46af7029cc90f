"""Generated protobuf modules of protocol v1 (see Clients/python/gen_pb2.sh). Do not edit them."""
