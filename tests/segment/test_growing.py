"""Growing graphs of appendable segments: built by the optimizer once the segment is large,
searched only after real queries showed they find what a scan finds, exact for rows written
since, completed into the sealed segment's index instead of a new build."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from tests.waits import wait_green
from vecbase import Client, models
from vecbase.engine import optimizer
from vecbase.index.hnsw import HnswIndex
from vecbase.segment.growing import PROBE_QUERIES, growing_limit

N, DIM = 6000, 32
# a small full_scan_threshold brings the growing limit down to its floor (4096 rows)
HNSW = models.HnswConfigDiff(full_scan_threshold=100)


def clustered(n: int, seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    basis = rng.normal(size=(8, DIM))
    centers = rng.normal(size=(40, 8)) * 3
    low = centers[rng.integers(0, 40, size=n)] + rng.normal(size=(n, 8))
    return (low @ basis / 3 + rng.normal(scale=0.2, size=(n, DIM))).astype(np.float32)


def load(client: Client, name: str, vectors: np.ndarray, **payload: Any) -> None:
    client.create_collection(
        name,
        vectors_config=models.VectorParams(size=vectors.shape[1], distance=models.Distance.EUCLID),
        hnsw_config=HNSW,
    )
    for start in range(0, len(vectors), 1000):
        ids = list(range(start, min(start + 1000, len(vectors))))
        client.upsert(
            name,
            models.Batch(ids=ids, vectors=vectors[ids].tolist(), payloads=[{"odd": i % 2} for i in ids]),
        )
    wait_green(client, name)


def appendable(client: Client, name: str) -> Any:
    return client._toc.get(name).segments[-1]


def exact_ids(vectors: np.ndarray, q: np.ndarray, allowed: np.ndarray | None = None, k: int = 10) -> list[int]:
    d = np.linalg.norm(vectors - q, axis=1)
    if allowed is not None:
        d[~allowed] = np.inf
    return np.argsort(d, kind="stable")[:k].tolist()


def search(client: Client, name: str, q: np.ndarray, flt: Any = None) -> list[int]:
    return [int(p.id) for p in client.query_points(name, query=q.tolist(), limit=10, query_filter=flt).points]


@pytest.fixture()
def client() -> Any:
    c = Client(":memory:")
    yield c
    c.close()


def test_graph_follows_the_appendable_segment_and_answers_after_its_trial(client: Client) -> None:
    data = clustered(N + 64)
    vectors, queries = data[:N], data[N:]
    load(client, "g", vectors)
    seg = appendable(client, "g")
    assert len(client._toc.get("g").segments) == 1 and not seg.dense_indexes
    graph = seg.growing[""]
    assert graph.size == N and growing_limit(client._toc.get("g").config, "") == 4096
    assert graph.probe.verdict is None
    found = 0
    for q in queries:
        got = search(client, "g", q)
        found += len(set(got) & set(exact_ids(vectors, q)))
    assert graph.probe.trials == PROBE_QUERIES and graph.probe.verdict is True
    assert found / (10 * len(queries)) >= 0.95
    # in the graph's hands now: a walk visits far fewer rows than a scan
    plan = seg.memo(("growing", "", None), lambda: None)
    assert plan is not None and plan[0] == N

    # filtered searches: the graph with an id bitmap, still the exact ids at this recall
    odd = np.arange(N) % 2 == 1
    flt = models.Filter(must=[models.FieldCondition(key="odd", match=models.MatchValue(value=1))])
    hits = [len(set(search(client, "g", q, flt)) & set(exact_ids(vectors, q, odd))) for q in queries[:20]]
    assert sum(hits) / 200 >= 0.95 and all(i % 2 == 1 for q in queries[:3] for i in search(client, "g", q, flt))


def test_rows_written_after_the_graph_are_searched_exactly(client: Client) -> None:
    data = clustered(N + 64)
    vectors, queries = data[:N], data[N:]
    load(client, "g", vectors)
    for q in queries[:PROBE_QUERIES]:
        search(client, "g", q)
    assert appendable(client, "g").growing[""].probe.verdict is True
    # rewritten in place (same ids) and appended: the graph holds neither as they are now;
    # searched before the optimizer can extend the graph
    far = (vectors.max(axis=0) + 50).astype(np.float32)
    client.upsert("g", models.Batch(ids=[7, N + 1], vectors=[far.tolist(), (far + 1).tolist()]))
    assert search(client, "g", far)[:2] == [7, N + 1]
    assert appendable(client, "g").growing[""].size == N  # not extended yet: the rows were scanned
    client.delete("g", models.PointIdsList(points=[7]))
    assert search(client, "g", far)[0] == N + 1
    wait_green(client, "g")
    assert appendable(client, "g").growing[""].size == N + 1  # one new row (7 was rewritten)
    assert search(client, "g", far)[0] == N + 1


def test_data_without_structure_keeps_exact_answers(client: Client) -> None:
    # 256-d Gaussian noise: a graph walk at the default ef misses a good share of the
    # nearest rows (no structure to follow)
    rng = np.random.default_rng(5)
    vectors = rng.normal(size=(N, 256)).astype(np.float32)
    load(client, "noise", vectors)
    graph = appendable(client, "noise").growing[""]
    queries = rng.normal(size=(PROBE_QUERIES + 8, 256)).astype(np.float32)
    # every answer exact: during the trial from the scan, after it because the graph failed
    assert all(search(client, "noise", q) == exact_ids(vectors, q) for q in queries)
    assert graph.probe.verdict is False


def test_small_segments_and_dot_stay_plain(client: Client) -> None:
    data = clustered(3000)
    load(client, "small", data)
    assert appendable(client, "small").growing == {}
    client.create_collection(
        "dot", vectors_config=models.VectorParams(size=DIM, distance=models.Distance.DOT), hnsw_config=HNSW
    )
    client.upsert("dot", models.Batch(ids=list(range(N)), vectors=clustered(N).tolist()))
    wait_green(client, "dot")
    assert appendable(client, "dot").growing == {}


def test_sealing_completes_the_graph_instead_of_building_one(client: Client, monkeypatch: Any) -> None:
    data = clustered(N + 500)
    load(client, "s", data[:N])
    assert appendable(client, "s").growing[""].size == N

    def no_build(*args: Any, **kwargs: Any) -> HnswIndex:
        raise AssertionError("a graph was built from scratch")

    client.upsert("s", models.Batch(ids=list(range(N, N + 500)), vectors=data[N:].tolist()))
    monkeypatch.setattr(HnswIndex, "build", no_build)
    # a threshold below the segment's size: the optimizer seals it and indexes it
    client.update_collection("s", optimizers_config=models.OptimizersConfigDiff(indexing_threshold=100))
    wait_green(client, "s")
    sealed = client._toc.get("s").segments[0]
    assert sealed.dense_indexes[""].size == N + 500 and sealed.growing == {}
    assert client.get_collection("s").indexed_vectors_count == N + 500
    q = data[N + 10]
    assert search(client, "s", q)[0] == N + 10
    assert optimizer.pending_indexes(client._toc.get("s").config, [sealed]) == []


def test_restart_rebuilds_the_graph_while_searches_scan(tmp_path: Any) -> None:
    data = clustered(N + 20)
    vectors, queries = data[:N], data[N:]
    first = Client(path=str(tmp_path / "db"))
    load(first, "g", vectors)
    assert appendable(first, "g").growing[""].size == N
    first.close()
    again = Client(path=str(tmp_path / "db"))
    # answers right away (exact scans until the graph is back), then the graph is rebuilt
    assert search(again, "g", queries[0]) == exact_ids(vectors, queries[0])
    wait_green(again, "g")
    assert appendable(again, "g").growing[""].size == N
    found = sum(len(set(search(again, "g", q)) & set(exact_ids(vectors, q))) for q in queries)
    assert found / (10 * len(queries)) >= 0.95
    again.close()
