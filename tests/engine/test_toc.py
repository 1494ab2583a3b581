"""The table of contents keeps any valid collection name on disk: names whose hex form is
too long for a file name live in a digest-named directory that records the name."""

from __future__ import annotations

from pathlib import Path

import pytest

from vecbase import Client, models
from vecbase.core.errors import StorageError
from vecbase.engine.snapshots import Snapshots
from vecbase.engine.toc import MAX_DIR_NAME, TableOfContent, dir_name

# 255 characters (the longest name Qdrant takes), 510 bytes of UTF-8
LONG = "é" * 254 + "x"
NAMES = ["short", "ünïcode.dots", "a" * 255, LONG]


def _fill(client: Client, name: str) -> None:
    client.create_collection(name, vectors_config=models.VectorParams(size=2, distance=models.Distance.DOT))
    client.upsert(name, [models.PointStruct(id=1, vector=[1.0, 2.0], payload={"of": name[:8]})], wait=True)


def test_directory_names_fit_a_file_system() -> None:
    assert dir_name("short") == b"short".hex()
    for name in NAMES:
        assert len(dir_name(name).encode()) <= MAX_DIR_NAME + 1
    assert dir_name(LONG) != dir_name(LONG[:-1] + "y")


@pytest.mark.parametrize("name", NAMES)
def test_any_valid_name_survives_a_restart(tmp_path: Path, name: str) -> None:
    with Client(path=str(tmp_path)) as client:
        _fill(client, name)
    with Client(path=str(tmp_path)) as client:
        assert [c.name for c in client.get_collections().collections] == [name]
        assert client.retrieve(name, [1])[0].payload == {"of": name[:8]}
        client.delete_collection(name)
    with Client(path=str(tmp_path)) as client:
        assert client.get_collections().collections == []


def test_an_interrupted_create_of_a_long_name_is_ignored(tmp_path: Path) -> None:
    with Client(path=str(tmp_path)) as client:
        _fill(client, LONG)
        _fill(client, "other")
    (tmp_path / "collections" / dir_name(LONG) / "collection_name").unlink()
    with Client(path=str(tmp_path)) as client:
        assert [c.name for c in client.get_collections().collections] == ["other"]


def test_a_long_named_collection_snapshots_and_recovers_under_another_name(tmp_path: Path) -> None:
    storage, other = tmp_path / "storage", LONG[:-1] + "y"
    with Client(path=str(storage)) as client:
        _fill(client, LONG)
    toc = TableOfContent(storage, flush_interval=None)
    try:
        snaps = Snapshots(toc, tmp_path / "snapshots")
        info = snaps.create(LONG)
        assert len(info.name.encode()) <= 255
        snaps.recover_file(other, snaps.path(LONG, info.name), None)
    finally:
        toc.close()
    with Client(path=str(storage)) as client:
        assert {c.name for c in client.get_collections().collections} == {LONG, other}
        assert client.count(other).count == 1


def test_a_damaged_collection_is_named_in_one_error(tmp_path: Path) -> None:
    with Client(path=str(tmp_path)) as client:
        for name in ("good", "bad"):
            _fill(client, name)
    damaged = next((tmp_path / "collections" / dir_name("bad") / "segments").glob("*/v0.npy"))
    damaged.write_bytes(b"not an array")
    with pytest.raises(StorageError, match=r"^Collection `bad` cannot be loaded from .*Restore it from a snapshot"):
        TableOfContent(tmp_path)
    damaged.unlink()  # a missing file reads the same way
    with pytest.raises(StorageError, match=r"^Collection `bad` cannot be loaded .*FileNotFoundError"):
        TableOfContent(tmp_path)
    # the storage is released: moving the collection out lets the rest open
    (tmp_path / "collections" / dir_name("bad")).rename(tmp_path / "bad-aside")
    toc = TableOfContent(tmp_path)
    assert toc.names() == ["good"]
    toc.close()
