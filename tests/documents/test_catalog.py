"""The catalog keeps every acknowledged change across reopening, through its WAL and
snapshots."""

from __future__ import annotations

from pathlib import Path

from vecbase.documents.catalog import Catalog


def test_changes_survive_reopening(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "c", compact_every=5)
    for i in range(12):
        catalog.put("files", f"f{i}", {"n": i})
    catalog.remove("files", "f3")
    catalog.put_many("stores", {"s1": {"name": "a"}, "s2": {"name": "b"}})
    catalog.put("stores", "s1", {"name": "renamed"})
    # no close: what a crash leaves (the WAL and the last snapshot)
    reopened = Catalog(tmp_path / "c", compact_every=5)
    assert [r["n"] for r in reopened.values("files")] == [i for i in range(12) if i != 3]
    assert reopened.get("stores", "s1") == {"name": "renamed"}
    assert reopened.get("files", "f3") is None
    reopened.close()
    again = Catalog(tmp_path / "c")
    assert [r["name"] for r in again.values("stores")] == ["renamed", "b"]


def test_in_memory(tmp_path: Path) -> None:
    catalog = Catalog(None)
    catalog.put("t", "k", {"v": 1})
    assert catalog.get("t", "k") == {"v": 1}
    assert list(tmp_path.iterdir()) == []
