"""Data written through the server survives a graceful stop (SIGTERM) and a kill -9, and a
collection recovered from a snapshot answers exactly like the original."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

import numpy as np
from qdrant_client import QdrantClient
from qdrant_client import models as qm

from tests.live_server import Server


def state(client: QdrantClient, name: str) -> list[tuple[object, object, object]]:
    records, _ = client.scroll(name, limit=100_000, with_vectors=True)
    return [(r.id, r.payload, vector_state(r.vector)) for r in records]


def vector_state(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: vector_state(x) for k, x in v.items()}
    if isinstance(v, qm.SparseVector):
        return (v.indices, v.values)
    return np.round(np.asarray(v), 5).tolist()


def test_restart_after_sigterm_and_sigkill(tmp_path: Path) -> None:
    storage = tmp_path / "storage"
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(600, 16)).astype(np.float32)
    server = Server(storage).start()
    client = QdrantClient(url=server.url, timeout=30)
    client.create_collection("r", vectors_config=qm.VectorParams(size=16, distance=qm.Distance.DOT))
    client.create_payload_index("r", "n", qm.PayloadSchemaType.INTEGER)
    client.upload_collection(
        "r", vectors[:400], payload=[{"n": i} for i in range(400)], ids=range(400), batch_size=64, wait=True
    )
    client.set_payload("r", {"tag": "x"}, points=list(range(10)), wait=True)
    client.delete("r", points_selector=qm.PointIdsList(points=[5, 6]), wait=True)
    client.update_collection_aliases(
        [qm.CreateAliasOperation(create_alias=qm.CreateAlias(collection_name="r", alias_name="al"))]
    )
    client.create_vector_name("r", "extra", qm.SparseVectorNameConfig(sparse=qm.SparseVectorConfig()))
    client.update_vectors("r", [qm.PointVectors(id=1, vector={"extra": qm.SparseVector(indices=[3], values=[2.0])})])
    before = state(client, "r")
    assert len(before) == 398
    assert server.stop(signal.SIGTERM) == 0

    server = Server(storage, port=server.port).start()
    client = QdrantClient(url=server.url, timeout=30)
    assert state(client, "r") == before
    assert client.get_collection("al").payload_schema["n"].data_type == qm.PayloadSchemaType.INTEGER
    assert client.retrieve("r", [1], with_vectors=["extra"])[0].vector["extra"].indices == [3]
    # acknowledged writes, fsynced or not, survive kill -9
    for start in range(400, 600, 50):
        points = [qm.PointStruct(id=i, vector=vectors[i].tolist(), payload={"n": i}) for i in range(start, start + 50)]
        client.upsert("r", points, wait=start % 100 == 0)
    client.delete("r", points_selector=qm.FilterSelector(filter=qm.Filter(must=[qm.HasIdCondition(has_id=[7])])))
    expected = state(client, "r")
    assert len(expected) == 597
    server.stop(signal.SIGKILL)

    with Server(storage) as again:
        client = QdrantClient(url=again.url, timeout=30)
        assert state(client, "r") == expected
        query = vectors[0].tolist()
        original = client.query_points("r", query=query, limit=20, with_payload=True)
        # snapshot -> recover under another name -> same answers
        snap = client.create_snapshot("r")
        assert snap is not None
        location = f"file://{storage / 'snapshots' / b'r'.hex() / snap.name}"
        assert client.recover_snapshot("copy", location, checksum=snap.checksum)
        assert state(client, "copy") == expected
        copy = client.query_points("copy", query=query, limit=20, with_payload=True)
        assert [(p.id, p.score, p.payload) for p in copy.points] == [
            (p.id, p.score, p.payload) for p in original.points
        ]
        assert client.get_collection("copy").payload_schema.keys() == {"n"}
