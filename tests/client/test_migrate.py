"""``Client.migrate`` and qdrant-client's ``migrate`` with a vecbase client at either end:
settings, payload indexes, shard keys and points arrive whole, and the same query answers
the same on both sides."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from qdrant_client import AsyncQdrantClient, QdrantClient
from qdrant_client import models as qm

from vecbase import AsyncClient, Client
from vecbase.api.qdrant import models as m


def filled(client: Client, name: str = "docs", n: int = 230) -> None:
    client.create_collection(
        name,
        vectors_config={
            "dense": m.VectorParams(size=8, distance=m.Distance.COSINE),
            "multi": m.VectorParams(
                size=2,
                distance=m.Distance.DOT,
                multivector_config=m.MultiVectorConfig(comparator=m.MultiVectorComparator.MAX_SIM),
            ),
        },
        sparse_vectors_config={"words": m.SparseVectorParams(modifier=m.Modifier.IDF)},
        hnsw_config=m.HnswConfigDiff(m=8, ef_construct=64),
        optimizers_config=m.OptimizersConfigDiff(indexing_threshold=50),
        quantization_config=m.ScalarQuantization(scalar=m.ScalarQuantizationConfig(type=m.ScalarType.INT8)),
        strict_mode_config=m.StrictModeConfig(enabled=True, max_query_limit=100),
        metadata={"owner": "team-a"},
    )
    client.create_payload_index(name, "lang", m.PayloadSchemaType.KEYWORD)
    client.create_payload_index(name, "body", m.TextIndexParams(type=m.TextIndexType.TEXT, lowercase=True))
    client.create_payload_index(name, "year", m.IntegerIndexParams(type=m.IntegerIndexType.INTEGER, range=True))
    rng = np.random.default_rng(5)
    client.upsert(
        name,
        [
            m.PointStruct(
                id=i if i % 2 else f"00000000-0000-0000-0000-{i:012d}",
                vector={
                    "dense": rng.random(8).tolist(),
                    "multi": rng.random((2, 2)).tolist(),
                    "words": m.SparseVector(indices=[i % 11, 20 + i % 3], values=[1.0 + i / 1000, 0.5]),
                },
                payload={"lang": ["en", "de"][i % 2], "body": f"note {i}", "year": 2000 + i % 20},
            )
            for i in range(n)
        ],
    )


def answers(client: Any, family: Any) -> list[Any]:
    """The same queries in ``family``'s models: ids and payloads in order."""
    flt = family.Filter(must=[family.FieldCondition(key="lang", match=family.MatchValue(value="de"))])
    runs = [
        client.query_points("docs", query=[0.5] * 8, using="dense", limit=7, query_filter=flt),
        client.query_points("docs", query=[[0.5, 0.1]], using="multi", limit=5),
        client.query_points("docs", query=family.SparseVector(indices=[3, 21], values=[1.0, 1.0]), using="words"),
    ]
    return [[(p.id, p.payload) for p in r.points] for r in runs]


def test_into_another_vecbase_client(tmp_path: Path) -> None:
    source, dest = Client(":memory:"), Client(path=str(tmp_path))
    filled(source)
    source.migrate(dest)

    assert dest.count("docs").count == 230
    was, now = source.get_collection("docs"), dest.get_collection("docs")
    assert now.config == was.config
    assert {k: (v.data_type, v.params) for k, v in now.payload_schema.items()} == {
        k: (v.data_type, v.params) for k, v in was.payload_schema.items()
    }
    assert answers(dest, m) == answers(source, m)
    (point,) = dest.retrieve("docs", [7], with_vectors=True)
    (original,) = source.retrieve("docs", [7], with_vectors=True)
    assert point.vector == original.vector and point.payload == original.payload


@pytest.mark.filterwarnings("ignore:Payload indexes have no effect")
def test_into_qdrant_client() -> None:
    source, dest = Client(":memory:"), QdrantClient(":memory:")
    filled(source)
    source.migrate(dest, batch_size=33)

    assert dest.count("docs").count == 230
    params = dest.get_collection("docs").config.params
    assert params.vectors["dense"] == qm.VectorParams(size=8, distance=qm.Distance.COSINE)
    assert params.vectors["multi"].multivector_config.comparator == qm.MultiVectorComparator.MAX_SIM
    assert params.sparse_vectors["words"].modifier == qm.Modifier.IDF
    assert dest.get_collection("docs").config.metadata == {"owner": "team-a"}
    assert answers(dest, qm) == answers(source, m)


def test_from_qdrant_client_into_vecbase() -> None:
    """qdrant-client's own ``migrate`` hands ``upload_points`` the records of its scrolls."""
    source, dest = QdrantClient(":memory:"), Client(":memory:")
    source.create_collection("docs", vectors_config=qm.VectorParams(size=3, distance=qm.Distance.EUCLID))
    source.upsert("docs", [qm.PointStruct(id=i, vector=[i, 1.0, 0.0], payload={"i": i}) for i in range(150)])
    source.migrate(dest)

    assert dest.count("docs").count == 150
    assert dest.get_collection("docs").config.params.vectors == m.VectorParams(size=3, distance=m.Distance.EUCLID)
    hits = dest.query_points("docs", query=[10.2, 1.0, 0.0], limit=3).points
    assert [(h.id, h.payload) for h in hits] == [(10, {"i": 10}), (11, {"i": 11}), (9, {"i": 9})]


def test_upload_points_takes_records_from_either_family() -> None:
    client = Client(":memory:")
    client.create_collection("r", vectors_config=m.VectorParams(size=2, distance=m.Distance.DOT))
    records = (
        rec
        for rec in [
            m.Record(id=1, vector=[1.0, 0.0], payload={"a": 1}),
            qm.Record(id=2, vector=[0.0, 1.0], payload=None),
            qm.PointStruct(id=3, vector=[1.0, 1.0]),
        ]
    )
    client.upload_points("r", records, batch_size=2, wait=True)
    got = {r.id: (r.vector, r.payload) for r in client.retrieve("r", [1, 2, 3], with_vectors=True)}
    assert got == {1: ([1.0, 0.0], {"a": 1}), 2: ([0.0, 1.0], {}), 3: ([1.0, 1.0], {})}


def test_shard_keys_go_along(tmp_path: Path) -> None:
    source, dest = Client(":memory:"), Client(path=str(tmp_path))
    source.create_collection(
        "t", vectors_config=m.VectorParams(size=2, distance=m.Distance.DOT), sharding_method=m.ShardingMethod.CUSTOM
    )
    for k, (key, n) in enumerate((("acme", 12), ("globex", 5))):
        source.create_shard_key("t", key)
        source.upsert("t", [m.PointStruct(id=100 * k + i, vector=[i, 1]) for i in range(n)], shard_key_selector=key)
    source.migrate(dest, batch_size=4)

    assert [d.key for d in dest.list_shard_keys("t").shard_keys] == ["acme", "globex"]
    assert dest.count("t", shard_key_selector="acme").count == 12
    assert dest.count("t", shard_key_selector="globex").count == 5


def test_collisions_and_bad_arguments_write_nothing() -> None:
    source, dest = Client(":memory:"), Client(":memory:")
    filled(source, "docs", 10)
    filled(source, "other", 3)
    dest.create_collection("other", vectors_config=m.VectorParams(size=2, distance=m.Distance.DOT))

    with pytest.raises(ValueError, match=r"already exist in dest_client: \['other'\]"):
        source.migrate(dest)
    with pytest.raises(ValueError, match="does not have collections: \\['nope'\\]"):
        source.migrate(dest, ["docs", "nope"])
    with pytest.raises(ValueError, match="batch_size must be greater than 0"):
        source.migrate(dest, batch_size=0)
    with pytest.raises(ValueError, match="must be a vecbase or qdrant-client client"):
        source.migrate(object())
    with pytest.raises(ValueError, match="must be a synchronous client"):
        source.migrate(AsyncQdrantClient(":memory:"))
    assert [c.name for c in dest.get_collections().collections] == ["other"]
    assert dest.count("other").count == 0

    source.migrate(dest, ["other"], recreate_on_collision=True)
    assert dest.count("other").count == 3
    assert dest.get_collection("other").config == source.get_collection("other").config
    assert not dest.collection_exists("docs")


def test_async_client_migrates_into_an_async_client() -> None:
    async def run() -> int:
        source, dest = AsyncClient(":memory:"), AsyncClient(":memory:")
        await source.create_collection("a", vectors_config=m.VectorParams(size=2, distance=m.Distance.DOT))
        await source.upsert("a", [m.PointStruct(id=i, vector=[i, 1]) for i in range(9)])
        await source.migrate(dest, batch_size=2)
        return (await dest.count("a")).count

    assert asyncio.run(run()) == 9
