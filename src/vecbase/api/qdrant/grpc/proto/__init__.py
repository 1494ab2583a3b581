"""Generated protobuf messages and gRPC stubs (tools/gen_grpc.py)."""
