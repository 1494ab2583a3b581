"""A graceful stop (SIGTERM) drains the gRPC calls in flight: a long call started before the
signal completes with its full answer, the server exits cleanly, and a write acknowledged
while that call ran is there after the restart."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path
from typing import Any

import grpc
import httpx
import numpy as np

from tests.live_server import Server
from vecbase.api.qdrant.grpc.proto import points_pb2 as ppb
from vecbase.api.qdrant.grpc.proto import points_service_pb2_grpc as prpc
from vecbase.api.qdrant.grpc.proto import qdrant_common_pb2 as common

DIM, POINTS = 64, 20_000


def slow_batch(queries: np.ndarray) -> Any:
    """Exact searches over the whole collection: server time that grows with the batch and a
    request small enough to be received long before the answer is ready."""
    return ppb.QueryBatchPoints(
        collection_name="d",
        query_points=[
            ppb.QueryPoints(
                collection_name="d",
                query=ppb.Query(nearest=ppb.VectorInput(dense=ppb.DenseVector(data=q.tolist()))),
                limit=5,
                params=ppb.SearchParams(exact=True),
            )
            for q in queries
        ],
    )


def ids_of(reply: Any) -> list[list[int]]:
    return [[p.id.num for p in r.result] for r in reply.result]


def test_sigterm_drains_calls_in_flight(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    vectors = rng.normal(size=(POINTS, DIM)).astype(np.float32)
    server = Server(tmp_path / "storage").start()
    httpx.put(f"{server.url}/collections/d", json={"vectors": {"size": DIM, "distance": "Dot"}}).raise_for_status()
    for start in range(0, POINTS, 5_000):
        batch = {"ids": list(range(start, start + 5_000)), "vectors": vectors[start : start + 5_000].tolist()}
        httpx.put(f"{server.url}/collections/d/points?wait=true", json={"batch": batch}, timeout=60).raise_for_status()
    queries = rng.normal(size=(300, DIM)).astype(np.float32)
    expected = [np.argsort(-(vectors @ q), kind="stable")[:5].tolist() for q in queries]
    channel = grpc.insecure_channel(f"127.0.0.1:{server.grpc_port}")
    stub = prpc.PointsStub(channel)
    request = slow_batch(queries)
    began = time.perf_counter()
    assert ids_of(stub.QueryBatch(request, timeout=60)) == expected
    took = time.perf_counter() - began
    # calls long enough that a signal sent a third of the way in finds them running
    n = max(1, int(np.ceil(0.6 / took)))
    request = slow_batch(np.concatenate([queries] * n))
    replies: dict[str, Any] = {}

    def query() -> None:
        try:
            replies["query"] = stub.QueryBatch(request, timeout=60)
        except grpc.RpcError as error:
            replies["query"] = error

    def write() -> None:
        point = ppb.PointStruct(
            id=common.PointId(num=POINTS),
            vectors=ppb.Vectors(vector=ppb.Vector(dense=ppb.DenseVector(data=[1.0] * DIM))),
        )
        try:
            replies["write"] = stub.Upsert(ppb.UpsertPoints(collection_name="d", wait=True, points=[point]))
        except grpc.RpcError as error:
            replies["write"] = error

    caller = threading.Thread(target=query)
    caller.start()
    time.sleep(took * n / 3)
    writer = threading.Thread(target=write)
    writer.start()
    writer.join(timeout=30)
    proc = server.proc
    assert proc is not None and caller.is_alive()
    proc.send_signal(signal.SIGTERM)  # once: a second SIGTERM asks uvicorn to exit at once
    caller.join(timeout=60)
    assert proc.wait(timeout=60) == 0
    server.proc = None
    channel.close()
    reply = replies["query"]
    assert not isinstance(reply, grpc.RpcError), reply
    assert ids_of(reply) == expected * n
    write_reply = replies["write"]
    assert not isinstance(write_reply, grpc.RpcError), write_reply
    assert write_reply.result.status == ppb.UpdateStatus.Completed

    server = Server(tmp_path / "storage").start()
    try:
        count = httpx.post(f"{server.url}/collections/d/points/count", json={"exact": True}).json()
        assert count["result"]["count"] == POINTS + 1
    finally:
        server.stop()
