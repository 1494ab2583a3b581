"""A minimal gRPC server answering every ``Points/Query`` with a canned response: the ceiling
of the gRPC path on this machine (bench/rest.py's gRPC column).

Usage: python bench/canned_grpc.py PORT RESPONSE_FILE   (a serialized QueryResponse)
"""

from __future__ import annotations

import sys
from concurrent import futures
from pathlib import Path
from typing import Any

import grpc

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from vecbase.api.qdrant.grpc.proto import points_pb2, points_service_pb2_grpc  # noqa: E402


class Canned(points_service_pb2_grpc.PointsServicer):  # type: ignore[misc]
    def __init__(self, body: bytes) -> None:
        self.response = points_pb2.QueryResponse.FromString(body)

    def Query(self, request: Any, context: Any) -> Any:  # noqa: N802
        return self.response


def main() -> None:
    port, body = int(sys.argv[1]), Path(sys.argv[2]).read_bytes()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16))
    points_service_pb2_grpc.add_PointsServicer_to_server(Canned(body), server)
    server.add_insecure_port(f"127.0.0.1:{port}")
    server.start()
    server.wait_for_termination()


if __name__ == "__main__":
    main()
