"""Snapshot listings while snapshots come and go."""

from __future__ import annotations

from pathlib import Path

import pytest

from vecbase import Client, models
from vecbase.core.errors import CollectionNotFoundError
from vecbase.engine.snapshots import Snapshots
from vecbase.engine.toc import TableOfContent


def test_a_snapshot_deleted_while_listed_is_left_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A listing racing a delete (``?wait=false`` deletes run on after their answer) leaves
    the vanished snapshot out instead of failing with a 500."""
    storage = tmp_path / "storage"
    with Client(path=str(storage)) as client:
        client.create_collection("c", vectors_config=models.VectorParams(size=2, distance=models.Distance.DOT))
    toc = TableOfContent(storage, flush_interval=None)
    try:
        snaps = Snapshots(toc, tmp_path / "snapshots")
        gone, kept = snaps.create("c"), snaps.create("c")
        describe = Snapshots._describe

        def racing(self: Snapshots, path: Path) -> object:
            if path.name == gone.name:
                snaps.delete("c", gone.name)
            return describe(self, path)

        monkeypatch.setattr(Snapshots, "_describe", racing)
        assert [s.name for s in snaps.list("c")] == [kept.name]
    finally:
        toc.close()


@pytest.mark.parametrize("custom", [False, True])
def test_a_snapshot_of_a_collection_deleted_meanwhile_is_not_found(tmp_path: Path, custom: bool) -> None:
    """A snapshot request that looked the collection up before a delete removed it answers
    "not found" (it failed with a 500 reading the removed directory)."""
    storage = tmp_path / "storage"
    with Client(path=str(storage)) as client:
        sharding = models.ShardingMethod.CUSTOM if custom else None
        params = models.VectorParams(size=2, distance=models.Distance.DOT)
        client.create_collection("c", vectors_config=params, sharding_method=sharding)
        if custom:
            client.create_shard_key("c", "a")
    toc = TableOfContent(storage, flush_interval=None)
    try:
        looked_up = toc.get("c")
        toc.delete("c")
        with pytest.raises(CollectionNotFoundError):
            with looked_up.frozen():
                pass
    finally:
        toc.close()
