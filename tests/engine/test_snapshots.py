"""Snapshot listings while snapshots come and go."""

from __future__ import annotations

from pathlib import Path

import pytest

from vecbase import Client, models
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
