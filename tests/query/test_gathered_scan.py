"""Exact scans of a selective filter's rows read them from a block copied once per filter:
the answers are those of a scan of the segment itself, before and after writes to the rows."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from vecbase import Client, models
from vecbase.query import search

DIM = 32
N = 3000


def exact(vectors: np.ndarray, allowed: list[int], q: np.ndarray, distance: str) -> list[int]:
    sub = vectors[allowed]
    if distance == "Euclid":
        score = -np.linalg.norm(sub - q, axis=1)
    else:
        score = (sub / np.linalg.norm(sub, axis=1, keepdims=True)) @ (q / np.linalg.norm(q))
    return [allowed[i] for i in np.argsort(-score, kind="stable")[:10]]


@pytest.mark.parametrize("distance", [models.Distance.EUCLID, models.Distance.COSINE])
def test_selective_filter_scans_a_copied_block(distance: models.Distance, monkeypatch: Any) -> None:
    rng = np.random.default_rng(5)
    vectors = rng.normal(size=(N, DIM)).astype(np.float32)
    client = Client(":memory:")
    client.create_collection("s", vectors_config=models.VectorParams(size=DIM, distance=distance))
    client.create_payload_index("s", "tag", models.PayloadSchemaType.KEYWORD)
    tags = ["rare" if i % 50 == 0 else "common" for i in range(N)]
    client.upsert("s", models.Batch(ids=list(range(N)), vectors=vectors.tolist(), payloads=[{"tag": t} for t in tags]))
    flt = models.Filter(must=[models.FieldCondition(key="tag", match=models.MatchValue(value="rare"))])
    rare = [i for i in range(N) if tags[i] == "rare"]
    calls: list[int] = []
    gather = search._gathered

    def counted(*args: Any) -> Any:
        out = gather(*args)
        calls.append(out is not None)
        return out

    monkeypatch.setattr(search, "_gathered", counted)
    queries = rng.normal(size=(5, DIM)).astype(np.float32)
    for q in queries:
        got = client.query_points("s", query=q, query_filter=flt, limit=10).points
        assert [p.id for p in got] == exact(vectors, rare, q, distance.value)
    assert calls and all(calls)  # each search used the block

    # writes renew the block: a moved vector, a deleted point, a point that joins the filter
    target = queries[0] * 3
    client.update_vectors("s", [models.PointVectors(id=rare[3], vector=target.tolist())])
    vectors[rare[3]] = target
    client.delete("s", models.PointIdsList(points=[rare[0]]))
    client.set_payload("s", {"tag": "rare"}, points=[7])
    allowed = sorted(set(rare[1:]) | {7})
    for q in queries:
        got = client.query_points("s", query=q, query_filter=flt, limit=10).points
        assert [p.id for p in got] == exact(vectors, allowed, q, distance.value)
    assert client.query_points("s", query=target, query_filter=flt, limit=1).points[0].id == rare[3]

    # past the budget the rows are picked out of the segment instead: the same answers
    calls.clear()
    monkeypatch.setattr(search, "GATHER_MAX_BYTES", 64)
    for q in queries:
        got = client.query_points("s", query=q, query_filter=flt, limit=10).points
        assert [p.id for p in got] == exact(vectors, allowed, q, distance.value)
    assert calls and not any(calls)
