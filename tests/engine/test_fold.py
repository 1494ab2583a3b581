"""Once writes pause, the appendable segment's points fold into the indexed segment: one
graph to search, extended rather than rebuilt; nothing lost to writes that race the fold or
to a restart."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from tests.waits import wait_green
from vecbase import Client, models
from vecbase.engine.fold import FOLD_MIN_ROWS
from vecbase.index.hnsw import HnswIndex

DIM = 16


def upsert(client: Client, vectors: np.ndarray, start: int, stop: int) -> None:
    ids = list(range(start, stop))
    client.upsert("f", models.Batch(ids=ids, vectors=vectors[start:stop].tolist(), payloads=[{"i": i} for i in ids]))


def test_appendable_points_fold_into_the_indexed_segment(tmp_path: Path, monkeypatch: Any) -> None:
    vectors = np.random.default_rng(4).normal(size=(5000, DIM)).astype(np.float32)
    client = Client(path=str(tmp_path / "db"))
    client.create_collection(
        "f",
        vectors_config=models.VectorParams(size=DIM, distance=models.Distance.COSINE),
        # 200 kB of 16-d floats (3,200 points): the segment is sealed and indexed
        optimizers_config=models.OptimizersConfigDiff(indexing_threshold=200, default_segment_number=1),
    )
    upsert(client, vectors, 0, 3300)
    wait_green(client, "f")
    col = client._toc.get("f")
    assert [s.n for s in col.segments] == [3300, 0]  # one upsert past the threshold: sealed whole
    host = col.segments[0]
    assert host.dense_indexes[""].size == 3300

    def no_build(*args: Any, **kwargs: Any) -> HnswIndex:
        raise AssertionError("a graph was built from scratch")

    monkeypatch.setattr(HnswIndex, "build", no_build)
    upsert(client, vectors, 3300, 3300 + FOLD_MIN_ROWS + 200)
    wait_green(client, "f")
    n = 3300 + FOLD_MIN_ROWS + 200
    assert [s.n for s in col.segments] == [n, 0]
    assert col.segments[0].dense_indexes[""].size == n
    info = client.get_collection("f")
    assert info.points_count == n and info.indexed_vectors_count == n
    q = vectors[n - 5]
    assert client.query_points("f", query=q.tolist(), limit=1).points[0].id == n - 5
    client.close()
    monkeypatch.undo()
    again = Client(path=str(tmp_path / "db"))
    assert again.count("f").count == n
    assert again.query_points("f", query=q.tolist(), limit=1).points[0].id == n - 5
    assert again.get_collection("f").indexed_vectors_count == n
    again.close()


def test_writes_racing_a_fold_are_kept() -> None:
    rng = np.random.default_rng(8)
    vectors = rng.normal(size=(9000, DIM)).astype(np.float32)
    client = Client(":memory:")
    client.create_collection(
        "f",
        vectors_config=models.VectorParams(size=DIM, distance=models.Distance.EUCLID),
        optimizers_config=models.OptimizersConfigDiff(indexing_threshold=200, default_segment_number=1),
    )
    upsert(client, vectors, 0, 6000)
    stop = threading.Event()
    written: list[int] = []

    def writer() -> None:
        i = 6000
        while not stop.is_set() and i < 9000:
            upsert(client, vectors, i, i + 10)
            client.set_payload("f", {"seen": True}, points=[i % 6000])
            written.append(i)
            i += 10
            time.sleep(0.002)

    thread = threading.Thread(target=writer)
    thread.start()
    time.sleep(1.5)
    stop.set()
    thread.join()
    wait_green(client, "f")
    total = written[-1] + 10
    assert client.count("f").count == total
    records, _ = client.scroll("f", limit=total, with_payload=True)
    assert sorted(r.id for r in records) == list(range(total))
    seen = {r.id for r in records if r.payload and r.payload.get("seen")}
    assert seen == {i % 6000 for i in written}
    for i in (0, 6005, total - 1):
        assert client.query_points("f", query=vectors[i].tolist(), limit=1).points[0].id == i
    client.close()


def test_merges_extend_the_largest_graph(monkeypatch: Any) -> None:
    vectors = np.random.default_rng(6).normal(size=(7000, DIM)).astype(np.float32)
    client = Client(":memory:")
    client.create_collection(
        "f",
        vectors_config=models.VectorParams(size=DIM, distance=models.Distance.EUCLID),
        optimizers_config=models.OptimizersConfigDiff(indexing_threshold=200, default_segment_number=1),
    )
    upsert(client, vectors, 0, 3300)
    wait_green(client, "f")
    col = client._toc.get("f")
    assert [s.n for s in col.segments] == [3300, 0] and col.segments[0].dense_indexes[""].size == 3300

    def no_build(*args: Any, **kwargs: Any) -> HnswIndex:
        raise AssertionError("a graph was built from scratch")

    monkeypatch.setattr(HnswIndex, "build", no_build)
    # past the threshold again: sealed on its own, then merged into the indexed segment (one
    # segment is the target), whose graph is extended by the new rows
    upsert(client, vectors, 3300, 7000)
    wait_green(client, "f")
    assert [s.n for s in col.segments] == [7000, 0]
    assert col.segments[0].dense_indexes[""].size == 7000
    assert client.get_collection("f").indexed_vectors_count == 7000
    for i in (5, 3500, 6999):
        assert client.query_points("f", query=vectors[i].tolist(), limit=1).points[0].id == i
    client.close()
