"""The gRPC dialect fed random messages (tests/fuzz/grpc_messages.py, a fixed seed) on every
method of the Points and Collections services: each call answers with a status the client
can act on (never INTERNAL or UNKNOWN), within the deadline, and the server logs no
traceback."""

from __future__ import annotations

import random
from collections import Counter
from typing import Iterator

import grpc
import httpx
import pytest

from tests.fuzz.grpc_messages import MessageFuzzer
from tests.live_server import Server
from vecbase.api.qdrant.grpc.proto import collections_service_pb2, points_service_pb2
from vecbase.api.qdrant.grpc.proto import collections_service_pb2_grpc as crpc
from vecbase.api.qdrant.grpc.proto import points_service_pb2_grpc as prpc

EXAMPLES = 8
SEED = 4  # among its messages: the multivector count that hung Recommend before it was checked
BROKEN = {grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN, grpc.StatusCode.DEADLINE_EXCEEDED}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with Server(tmp_path_factory.mktemp("grpc-fuzz") / "storage") as live:
        yield live


def test_random_messages_get_an_answer(server: Server) -> None:
    body = {"vectors": {"size": 4, "distance": "Dot"}, "sparse_vectors": {"s": {}}}
    httpx.put(server.url + "/collections/fuzz", json=body).raise_for_status()
    points = [{"id": i, "vector": [1, i, 0, 1], "payload": {"k": i}} for i in range(10)]
    httpx.put(server.url + "/collections/fuzz/points?wait=true", json={"points": points}).raise_for_status()
    fuzzer = MessageFuzzer(random.Random(SEED), "fuzz")
    statuses: Counter[str] = Counter()
    broken: dict[str, str] = {}
    with grpc.insecure_channel(f"127.0.0.1:{server.grpc_port}") as channel:
        services = [
            (prpc.PointsStub(channel), points_service_pb2.DESCRIPTOR.services_by_name["Points"]),
            (crpc.CollectionsStub(channel), collections_service_pb2.DESCRIPTOR.services_by_name["Collections"]),
        ]
        for stub, service in services:
            for method in service.methods:
                if service.name == "Collections" and method.name == "Delete":
                    continue  # the collection the other messages name stays
                for _ in range(EXAMPLES):
                    message = fuzzer.fill(method.input_type._concrete_class())
                    try:
                        getattr(stub, method.name)(message, timeout=30)
                        statuses["OK"] += 1
                    except grpc.RpcError as e:
                        statuses[e.code().name] += 1
                        if e.code() in BROKEN:
                            broken.setdefault(f"{service.name}.{method.name}", f"{e.code().name}: {e.details()}")
    assert not broken, broken
    assert statuses["OK"] > 50 and statuses["INVALID_ARGUMENT"] > 50, statuses  # both paths were reached
    assert "Traceback" not in server.log.read_text()
