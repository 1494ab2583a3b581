"""Writes that fail or stop part way (a full disk, an I/O error, a crash): nothing
acknowledged is lost, a collection opens and closes on a disk that cannot take its segments
(the log keeps the records until it can), and a deleted collection stays deleted."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any, Callable

import pytest

from vecbase import Client, models
from vecbase.core.errors import StorageIOError
from vecbase.engine import flushing as flushing_module
from vecbase.storage import files as files_module
from vecbase.storage import wal as wal_module

REAL_WRITE = os.write
REAL_FSYNC = os.fsync


def _points(lo: int, hi: int) -> list[models.PointStruct]:
    return [models.PointStruct(id=i, vector=[float(i), 1.0, 0.5], payload={"i": i}) for i in range(lo, hi)]


def _ids(client: Client) -> set[Any]:
    records, _ = client.scroll("c", limit=1000)
    assert all(r.payload == {"i": r.id} for r in records)
    return {r.id for r in records}


def _enospc(*_: Any) -> Any:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def _filling_up() -> Callable[[int, Any], int]:
    """An ``os.write`` on a disk that fills up part way through the first write, then takes
    nothing."""
    calls = []

    def write(fd: int, data: Any) -> int:
        calls.append(fd)
        if len(calls) > 1:
            _enospc()
        return REAL_WRITE(fd, bytes(data)[:7])

    return write


def test_writes_refused_on_a_full_disk_lose_no_acknowledged_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = Client(path=str(tmp_path))
    client.create_collection("c", vectors_config=models.VectorParams(size=3, distance=models.Distance.DOT))
    client.upsert("c", _points(0, 50))
    monkeypatch.setattr(wal_module.os, "write", _filling_up())
    with pytest.raises(StorageIOError, match=r"^File IO error: No space left on device \(os error 28\)$"):
        client.upsert("c", _points(50, 100))
    with pytest.raises(StorageIOError, match="No space left on device"):
        client.upsert("c", _points(100, 150))
    monkeypatch.setattr(wal_module.os, "write", REAL_WRITE)
    client.upsert("c", _points(150, 200))  # space freed
    assert _ids(client) == set(range(50)) | set(range(150, 200))

    # the disk fills up again: closing cannot write the segments, nor fsync the log
    monkeypatch.setattr(files_module.os, "fsync", _enospc)
    client.close()
    monkeypatch.setattr(files_module.os, "fsync", REAL_FSYNC)
    segments = tmp_path / "collections"
    assert not [p for p in segments.rglob("*.tmp")], "a failed segment write left its files"

    with Client(path=str(tmp_path)) as reopened:
        assert _ids(reopened) == set(range(50)) | set(range(150, 200))


def test_a_collection_opens_on_a_disk_that_cannot_take_its_segments(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Client(path=str(tmp_path)) as client:
        client.create_collection("c", vectors_config=models.VectorParams(size=3, distance=models.Distance.DOT))
        client.upsert("c", _points(0, 30))
        monkeypatch.setattr(files_module.os, "fsync", _enospc)
    # the records are in the log only; replaying them cannot be written back at open
    with Client(path=str(tmp_path)) as client:
        assert _ids(client) == set(range(30))
    monkeypatch.setattr(files_module.os, "fsync", REAL_FSYNC)
    with Client(path=str(tmp_path)) as client:
        assert _ids(client) == set(range(30))
        client.upsert("c", _points(30, 40))
    with Client(path=str(tmp_path)) as client:
        assert _ids(client) == set(range(40))


def test_a_first_flush_that_stops_part_way_loses_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The appendable segment is written first, with the version of the whole flush; when the
    sealed segments then fail to be written (or the process dies), the next open must not
    take that one segment for the collection's state and skip the log's records."""
    client = Client(path=str(tmp_path))
    client.create_collection("c", vectors_config=models.VectorParams(size=3, distance=models.Distance.DOT))
    client.upsert("c", _points(0, 40))
    collection = client._toc.get("c")
    collection.seal()
    client.upsert("c", _points(40, 60))
    real_save = flushing_module.save_segment

    def sealed_fail(seg: Any, path: Path, state: Any = None) -> Any:
        if state is not None:  # the sealed segments, after the appendable one
            _enospc()
        return real_save(seg, path, state) if state is not None else real_save(seg, path)

    monkeypatch.setattr(flushing_module, "save_segment", sealed_fail)
    client.close()  # its flush writes the appendable segment, then fails
    monkeypatch.setattr(flushing_module, "save_segment", real_save)
    with Client(path=str(tmp_path)) as reopened:
        assert _ids(reopened) == set(range(60))


def test_a_segment_rewrite_that_stops_between_its_renames_loses_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The segment's old directory is set aside, and the new one fails to take its place (an
    I/O error there, or a crash): the next open finds the new one complete beside the old."""
    with Client(path=str(tmp_path)) as client:
        client.create_collection("c", vectors_config=models.VectorParams(size=3, distance=models.Distance.DOT))
        client.upsert("c", _points(0, 20))
    client = Client(path=str(tmp_path))
    client.upsert("c", _points(20, 30))  # the same appendable segment, rewritten in place on close
    real_replace, calls = os.replace, []

    def second_fails(src: Any, dst: Any) -> None:
        calls.append((Path(src).name, Path(dst).name))
        if len(calls) == 2:
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        real_replace(src, dst)

    monkeypatch.setattr(files_module.os, "replace", second_fails)
    client.close()
    monkeypatch.setattr(files_module.os, "replace", real_replace)
    assert calls[0][1].endswith(".old") and calls[1][0].endswith(".tmp")
    with Client(path=str(tmp_path)) as reopened:
        assert _ids(reopened) == set(range(30))
    leftovers = [p for p in (tmp_path / "collections").rglob("*") if p.name.endswith((".tmp", ".old"))]
    assert not leftovers


def test_a_collection_delete_that_stops_part_way_stays_deleted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with Client(path=str(tmp_path)) as client:
        for name in ("c", "d"):
            client.create_collection(name, vectors_config=models.VectorParams(size=3, distance=models.Distance.DOT))
        client.upsert("c", _points(0, 10))
        client.upsert("d", _points(0, 10))
    client = Client(path=str(tmp_path))
    real_unlink, removed = os.unlink, []

    def unlink_then_fail(path: Any, *args: Any, **kwargs: Any) -> None:
        if len(removed) == 2:  # the device fails part way through the removal
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        real_unlink(path, *args, **kwargs)
        removed.append(path)

    monkeypatch.setattr(files_module.shutil.os, "unlink", unlink_then_fail)
    with pytest.raises(OSError):
        client.delete_collection("d")
    monkeypatch.undo()
    client.close()
    with Client(path=str(tmp_path)) as reopened:
        assert [c.name for c in reopened.get_collections().collections] == ["c"]
        assert _ids(reopened) == set(range(10))
    assert sorted(p.name for p in (tmp_path / "collections").iterdir()) == ["63"]  # "c", hex-named
