"""Indexing a sealed segment larger than the CPU's caches makes a new segment whose rows are
laid out in its graph's walk order (a smaller one is indexed in place): every point keeps its
vector, payload and version, filters and searches answer as an exact scan does, writes that
race the build are kept, and a restart loads the same layout."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.waits import wait_green
from vecbase import Client, models
from vecbase.engine import graphs, optimizer

DIM = 16
N = 4000


def vectors_of(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(30, DIM)) * 3
    return (centers[rng.integers(0, 30, size=n)] + rng.normal(size=(n, DIM))).astype(np.float32)


def make(path: Path, vectors: np.ndarray) -> Client:
    client = Client(path=str(path))
    client.create_collection(
        "g",
        vectors_config=models.VectorParams(size=DIM, distance=models.Distance.EUCLID),
        optimizers_config=models.OptimizersConfigDiff(indexing_threshold=0),
    )
    client.create_payload_index("g", "even", models.PayloadSchemaType.BOOL)
    ids = list(range(N))
    payloads = [{"i": i, "even": i % 2 == 0} for i in ids]
    client.upsert("g", models.Batch(ids=ids, vectors=vectors.tolist(), payloads=payloads))
    return client


def exact(vectors: dict[int, np.ndarray], q: np.ndarray, keep: Any = None) -> list[int]:
    ids = [i for i in sorted(vectors) if keep is None or keep(i)]
    dist = [float(np.linalg.norm(vectors[i] - q)) for i in ids]
    return [ids[j] for j in np.argsort(dist, kind="stable")[:10]]


def check(client: Client, vectors: dict[int, np.ndarray], payload_of: Any) -> None:
    queries = vectors_of(15, 9)
    for q in queries:
        found = client.query_points("g", query=q, limit=10, search_params=models.SearchParams(exact=True)).points
        assert [p.id for p in found] == exact(vectors, q)
        assert all(p.payload == payload_of(p.id) for p in found)
        flt = models.Filter(must=[models.FieldCondition(key="even", match=models.MatchValue(value=True))])
        found = client.query_points(
            "g", query=q, limit=10, query_filter=flt, search_params=models.SearchParams(exact=True)
        )
        assert [p.id for p in found.points] == exact(vectors, q, lambda i: payload_of(i).get("even") is True)
        walked = client.query_points("g", query=q, limit=10, search_params=models.SearchParams(hnsw_ef=200)).points
        assert len({p.id for p in walked} & set(exact(vectors, q))) >= 9
    some = [0, 7, 1234, N - 1]
    got = {p.id: p for p in client.retrieve("g", some, with_vectors=True)}
    for i in some:
        if i in vectors:
            np.testing.assert_allclose(got[i].vector, vectors[i], rtol=1e-6)
            assert got[i].payload == payload_of(i)
    assert client.count("g").count == len(vectors)


def test_indexed_rows_follow_the_graph_and_answers_do_not_change(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr(graphs, "LAYOUT_MIN_BYTES", 0)  # N x 16 floats: lay out this small graph too
    vectors = vectors_of(N, 1)
    client = make(tmp_path / "db", vectors)
    client.update_collection("g", optimizers_config=models.OptimizersConfigDiff(indexing_threshold=1))
    wait_green(client, "g")
    seg = client._toc.get("g").segments[0]
    graph = seg.dense_indexes[""]
    assert graph.size == seg.n == N
    offsets_ids = [seg.ids[o] for o in range(N)]
    assert offsets_ids != list(range(N))  # laid out in walk order, not insertion order
    # one copy of the rows, the graph's, in the same order as the segment's offsets
    stored = graph.stored_vectors()
    assert stored is not None
    np.testing.assert_array_equal(stored, vectors[offsets_ids])
    np.testing.assert_array_equal(seg.vectors[""].data, vectors[offsets_ids])
    by_id = {i: vectors[i] for i in range(N)}
    check(client, by_id, lambda i: {"i": i, "even": i % 2 == 0})
    client.close()
    reopened = Client(path=str(tmp_path / "db"))
    seg2 = reopened._toc.get("g").segments[0]
    assert [seg2.ids[o] for o in range(N)] == offsets_ids
    check(reopened, by_id, lambda i: {"i": i, "even": i % 2 == 0})
    reopened.close()


@pytest.mark.parametrize("laid_out", [True, False])
def test_writes_racing_the_index_build_are_kept(tmp_path: Path, monkeypatch: Any, laid_out: bool) -> None:
    if laid_out:
        monkeypatch.setattr(graphs, "LAYOUT_MIN_BYTES", 0)
    vectors = vectors_of(N, 2)
    client = make(tmp_path / "db", vectors)
    moved = vectors_of(50, 3)
    build = optimizer.merged_graphs

    raced: list[bool] = []

    def racing(*args: Any, **kwargs: Any) -> Any:
        graphs = build(*args, **kwargs)
        if raced:  # the rewritten points make a segment of their own, indexed in turn
            return graphs
        raced.append(True)
        # while the new segment is made without the lock: deletes, rewrites, payload edits
        client.delete("g", models.PointIdsList(points=list(range(100, 200))))
        client.upsert(
            "g", models.Batch(ids=list(range(300, 350)), vectors=moved.tolist(), payloads=[{"moved": True}] * 50)
        )
        client.set_payload("g", {"tag": "x"}, points=[500, 501])
        return graphs

    monkeypatch.setattr(optimizer, "merged_graphs", racing)
    client.update_collection("g", optimizers_config=models.OptimizersConfigDiff(indexing_threshold=1))
    wait_green(client, "g")
    monkeypatch.setattr(optimizer, "merged_graphs", build)
    by_id = {i: vectors[i] for i in range(N) if not 100 <= i < 200}
    for j, i in enumerate(range(300, 350)):
        by_id[i] = moved[j]

    def payload_of(i: int) -> dict[str, Any]:
        if 300 <= i < 350:
            return {"moved": True}
        base = {"i": i, "even": i % 2 == 0}
        return {**base, "tag": "x"} if i in (500, 501) else base

    col = client._toc.get("g")
    assert any(s.dense_indexes for s in col.segments)
    check(client, by_id, payload_of)
    client.close()


def test_segments_within_the_caches_are_indexed_in_place(tmp_path: Path) -> None:
    vectors = vectors_of(N, 4)
    client = make(tmp_path / "db", vectors)
    col = client._toc.get("g")
    before = col.segments[0]
    client.update_collection("g", optimizers_config=models.OptimizersConfigDiff(indexing_threshold=1))
    wait_green(client, "g")
    seg = col.segments[0]
    assert seg is before and seg.dense_indexes[""].size == N  # the same segment, its rows as written
    assert [seg.ids[o] for o in range(N)] == list(range(N))
    check(client, {i: vectors[i] for i in range(N)}, lambda i: {"i": i, "even": i % 2 == 0})
    client.close()
