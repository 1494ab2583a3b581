"""Batches of vector queries (``query_batch_points``): the same answers as one query at a
time, with each segment's graph walked once for the whole batch."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pytest

from vecbase import Client, models
from vecbase.index.hnsw import HnswIndex

DIM = 24


def clustered(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    basis = rng.normal(size=(6, DIM))
    centers = rng.normal(size=(30, 6)) * 3
    low = centers[rng.integers(0, 30, size=n)] + rng.normal(size=(n, 6))
    return (low @ basis / 3 + rng.normal(scale=0.2, size=(n, DIM))).astype(np.float32)


@pytest.fixture(scope="module")
def client() -> Any:
    c = Client(":memory:")
    data = clustered(9000, 1)
    for name, distance in (("cos", models.Distance.COSINE), ("dot", models.Distance.DOT)):
        c.create_collection(
            name,
            vectors_config=models.VectorParams(size=DIM, distance=distance),
            # two sealed, indexed segments and an appendable one
            optimizers_config=models.OptimizersConfigDiff(indexing_threshold=300, default_segment_number=3),
            hnsw_config=models.HnswConfigDiff(full_scan_threshold=10),
        )
        c.upsert(
            name,
            models.Batch(
                ids=list(range(3000)), vectors=data[:3000].tolist(), payloads=[{"k": i % 4} for i in range(3000)]
            ),
        )
        c.upsert(
            name,
            models.Batch(
                ids=list(range(3000, 6000)),
                vectors=data[3000:6000].tolist(),
                payloads=[{"k": i % 4} for i in range(3000, 6000)],
            ),
        )
        c.upsert(
            name,
            models.Batch(
                ids=list(range(6000, 6100)),
                vectors=data[6000:6100].tolist(),
                payloads=[{"k": i % 4} for i in range(6000, 6100)],
            ),
        )
        deadline = time.monotonic() + 60
        while c.get_collection(name).status != models.CollectionStatus.GREEN:
            assert time.monotonic() < deadline
            time.sleep(0.05)
    yield c
    c.close()


def answers(responses: Any) -> list[list[tuple[Any, float]]]:
    return [[(p.id, round(p.score, 4)) for p in r.points] for r in responses]


@pytest.mark.parametrize("name", ["cos", "dot"])
@pytest.mark.parametrize("filtered", [False, True])
def test_batch_answers_as_single_queries(client: Client, name: str, filtered: bool, monkeypatch: Any) -> None:
    assert client.get_collection(name).indexed_vectors_count > 0
    queries = clustered(40, 2)
    flt = models.Filter(must=[models.FieldCondition(key="k", match=models.MatchAny(any=[1, 2]))]) if filtered else None
    requests = [models.QueryRequest(query=q.tolist(), filter=flt, limit=7, with_payload=True) for q in queries]
    single = answers([client.query_points(name, query=q.tolist(), query_filter=flt, limit=7) for q in queries])
    calls = {"single": 0, "batch": 0}
    search, search_batch = HnswIndex.search, HnswIndex.search_batch

    def counted_search(self: HnswIndex, *args: Any) -> Any:
        calls["single"] += 1
        return search(self, *args)

    def counted_batch(self: HnswIndex, *args: Any) -> Any:
        calls["batch"] += 1
        return search_batch(self, *args)

    monkeypatch.setattr(HnswIndex, "search", counted_search)
    monkeypatch.setattr(HnswIndex, "search_batch", counted_batch)
    batched = answers(client.query_batch_points(name, requests))
    assert batched == single
    graphs = sum(1 for s in client._toc.get(name).segments if s.dense_indexes)
    assert graphs >= 1 and calls == {"single": 0, "batch": graphs}


def test_mixed_batches_keep_their_order(client: Client) -> None:
    queries = clustered(6, 3)
    requests = [
        models.QueryRequest(query=queries[0].tolist(), limit=3),
        models.QueryRequest(query=5, limit=3),  # by id: not a plain vector
        models.QueryRequest(query=queries[1].tolist(), limit=3),
        models.QueryRequest(query=queries[2].tolist(), limit=2, offset=1),
        models.QueryRequest(query=queries[3].tolist(), limit=3),
    ]
    batched = answers(client.query_batch_points("cos", requests))
    single = answers([client.query_points("cos", query=r.query, limit=r.limit, offset=r.offset) for r in requests])
    assert batched == single and [len(a) for a in batched] == [3, 3, 3, 2, 3]
