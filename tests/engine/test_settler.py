"""Writes with ``wait=false`` are answered once logged and applied after the answer: every
read sees them anyway, in log order, the settler thread applies them when no one reads, and a
crash before the apply loses nothing (the log replays them)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest

from vecbase import Client, models
from vecbase.engine import collection as collection_module
from vecbase.engine.collection import Collection
from vecbase.engine.settler import Settler
from vecbase.query.model import WithPayload, WithVectors


@pytest.fixture
def paused(monkeypatch: pytest.MonkeyPatch) -> None:
    """No background apply: only the sections that take the lock settle."""
    monkeypatch.setattr(collection_module, "SETTLER", Settler(delay=3600))


def make(path: Path | None = None) -> Client:
    client = Client(path=str(path)) if path is not None else Client(":memory:")
    client.create_collection("c", vectors_config=models.VectorParams(size=4, distance=models.Distance.EUCLID))
    return client


def owed(client: Client) -> int:
    col: Collection = client._toc.get("c")
    return len(col._owed)


def test_reads_see_acknowledged_writes_in_order(paused: None) -> None:
    client = make()
    vectors = np.random.default_rng(0).normal(size=(50, 4)).astype(np.float32)
    client.upsert("c", models.Batch(ids=list(range(50)), vectors=vectors.tolist()), wait=False)
    assert owed(client) == 1
    assert client.count("c").count == 50  # the read applied it
    assert owed(client) == 0
    client.delete("c", models.PointIdsList(points=[0, 1, 2]), wait=False)
    client.set_payload("c", {"k": "v"}, points=[3, 4], wait=False)
    client.upsert("c", [models.PointStruct(id=3, vector=[9, 9, 9, 9])], wait=False)
    assert owed(client) == 1  # each write settles the ones before it: at most one waits
    hits = client.query_points("c", query=[9, 9, 9, 9], limit=1).points
    assert hits[0].id == 3 and hits[0].payload == {}  # the rewrite came after set_payload
    assert client.retrieve("c", [4])[0].payload == {"k": "v"}
    assert client.retrieve("c", [0, 1, 2]) == []
    assert client.count("c").count == 47


def test_a_read_from_another_thread_sees_the_write(paused: None) -> None:
    client = make()
    client.upsert("c", [models.PointStruct(id=1, vector=[1, 2, 3, 4], payload={"a": 1})], wait=False)
    seen: list[object] = []
    t = threading.Thread(target=lambda: seen.append(client.retrieve("c", [1])[0].payload))
    t.start()
    t.join(10)
    assert seen == [{"a": 1}]


def test_writes_by_filter_see_earlier_acknowledged_writes(paused: None) -> None:
    client = make()
    points = [models.PointStruct(id=i, vector=[i, 0, 0, 0], payload={"g": i % 2}) for i in range(10)]
    client.upsert("c", points, wait=False)
    # resolving the filter must apply the upsert first, or it would match nothing
    flt = models.Filter(must=[models.FieldCondition(key="g", match=models.MatchValue(value=1))])
    client.delete("c", models.FilterSelector(filter=flt), wait=True)
    assert sorted(r.id for r in client.scroll("c", limit=20)[0]) == [0, 2, 4, 6, 8]


def test_the_settler_applies_without_a_reader() -> None:
    client = make()
    client.upsert("c", [models.PointStruct(id=1, vector=[1, 2, 3, 4])], wait=False)
    deadline = time.monotonic() + 10
    while owed(client):
        assert time.monotonic() < deadline, "the settler never applied the write"
        time.sleep(0.01)
    col: Collection = client._toc.get("c")
    assert not col.lock.owed
    assert col.segments[-1].live_count() == 1  # applied, without anyone reading


def test_acknowledged_writes_survive_a_crash_before_their_apply(paused: None, tmp_path: Path) -> None:
    client = make(tmp_path / "db")
    client.upsert("c", [models.PointStruct(id=i, vector=[i, 1, 1, 1], payload={"i": i}) for i in range(5)])
    client.upsert("c", [models.PointStruct(id=7, vector=[7, 1, 1, 1], payload={"late": True})], wait=False)
    client.delete("c", models.PointIdsList(points=[0]), wait=False)
    assert owed(client) == 1
    # a crash: the process is gone without applying or flushing; only the log remains
    reopened = Collection.load("c", client._toc.get("c").path)
    try:
        assert reopened.count(None) == 5
        records = {r.id: r.payload for r in reopened.retrieve([0, 1, 7], WithPayload(), WithVectors(enabled=False))}
        assert records == {1: {"i": 1}, 7: {"late": True}}
    finally:
        reopened.close()


def test_close_applies_what_is_owed(paused: None, tmp_path: Path) -> None:
    client = make(tmp_path / "db")
    client.upsert("c", [models.PointStruct(id=i, vector=[i, 1, 1, 1]) for i in range(5)], wait=False)
    client.close()
    again = Client(path=str(tmp_path / "db"))
    assert again.count("c").count == 5
    again.close()
