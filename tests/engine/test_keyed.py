"""Custom sharding in the engine: one shard (a collection) per shard key, writes that name
their shards, reads over some or all of them, and shard directories that a restart loads
only once complete."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from vecbase.core.config import CollectionConfig, DenseVectorConfig, Distance, PayloadIndexSpec, PayloadType
from vecbase.core.errors import BadRequestError
from vecbase.core.operations import UpsertPoints
from vecbase.core.points import DenseColumn, PayloadDocs
from vecbase.core.sharding import ShardSelector
from vecbase.engine.keyed import KEY_FILE, SHARDS_DIR, KeyedCollection
from vecbase.engine.toc import TableOfContent
from vecbase.query.model import ScrollRequest, WithPayload, WithVectors

CONFIG = CollectionConfig(vectors={"": DenseVectorConfig(size=2, distance=Distance.DOT)}, sharding_method="custom")


def upsert(col: KeyedCollection, key: object, ids: list[int]) -> None:
    vectors = DenseColumn(np.ones((len(ids), 2), dtype=np.float32))
    op = UpsertPoints(tuple(ids), {"": vectors}, PayloadDocs.of([{"n": i} for i in ids]))
    for shard in col.write_targets(ShardSelector((key,))):  # type: ignore[arg-type]
        shard.upsert(op)


def ids(col: KeyedCollection, sel: ShardSelector | None) -> list[object]:
    records, _ = col.select(sel).scroll(ScrollRequest(limit=100, with_payload=WithPayload(False)))
    return [r.id for r in records]


@pytest.mark.parametrize("on_disk", [False, True])
def test_shards_hold_their_own_points(tmp_path: Path, on_disk: bool) -> None:
    toc = TableOfContent(tmp_path if on_disk else None, flush_interval=None)
    col = toc.create("c", CONFIG)
    assert isinstance(col, KeyedCollection)
    col.create_shard_key("a")
    col.create_shard_key(7)
    upsert(col, "a", [1, 2])
    upsert(col, 7, [3])
    assert ids(col, ShardSelector(("a",))) == [1, 2]
    assert ids(col, ShardSelector((7,))) == [3]
    assert ids(col, None) == [1, 2, 3]
    assert col.info()["points_count"] == 3
    with pytest.raises(BadRequestError, match="Shard key not specified"):
        col.write_targets(None)
    with pytest.raises(BadRequestError, match="Shard key not specified"):
        col.delete([1])
    with pytest.raises(BadRequestError, match="Shard key b not found"):
        col.select(ShardSelector(("b",)))
    # the fallback stands in for a missing key only
    assert ids(col, ShardSelector(("b",), fallback=7)) == [3]
    assert ids(col, ShardSelector(("a",), fallback=7)) == [1, 2]
    # "7" and 7 are two keys
    with pytest.raises(BadRequestError, match="Shard key 7 not found"):
        col.select(ShardSelector(("7",)))
    toc.close()


def test_one_id_in_two_shards(tmp_path: Path) -> None:
    toc = TableOfContent(None)
    col = toc.create("c", CONFIG)
    assert isinstance(col, KeyedCollection)
    col.create_shard_key("a")
    col.create_shard_key("b")
    upsert(col, "a", [1])
    upsert(col, "b", [1, 2])
    # each shard keeps its point; reads over both answer it once; counts add up, as Qdrant's
    assert ids(col, ShardSelector(("a",))) == [1] and ids(col, ShardSelector(("b",))) == [1, 2]
    assert ids(col, None) == [1, 2]
    assert [r.id for r in col.retrieve([1, 2], WithPayload(False), WithVectors(False))] == [1, 2]
    assert col.count(None) == 3
    col.delete_shard_key("a")
    assert ids(col, None) == [1, 2] and col.count(None) == 2
    toc.close()


def test_restart_loads_complete_shards_with_the_schema(tmp_path: Path) -> None:
    toc = TableOfContent(tmp_path, flush_interval=None)
    col = toc.create("c", CONFIG)
    assert isinstance(col, KeyedCollection)
    col.create_field_index("n", PayloadIndexSpec(PayloadType.INTEGER))
    for key in ("z", "a", 3):
        col.create_shard_key(key)
    upsert(col, "a", [1])
    with pytest.raises(BadRequestError, match="Shard key a already exists"):
        col.create_shard_key("a")
    col.delete_shard_key("z")
    shard_dirs = tmp_path / "collections" / "63" / SHARDS_DIR
    assert len(list(shard_dirs.iterdir())) == 2
    toc.close()
    # a shard whose key file was never written is an interrupted create
    (shard_dirs / "interrupted").mkdir()
    toc = TableOfContent(tmp_path, flush_interval=None)
    col = toc.get("c")
    assert isinstance(col, KeyedCollection)
    assert col.shard_key_list() == ["a", 3]  # creation order
    assert ids(col, ShardSelector(("a",))) == [1]
    assert col.info()["payload_points"] == {"n": 1}
    assert all(shard.payload_schema.keys() == {"n"} for shard in col.shards.values())
    assert all((shard.path / KEY_FILE).is_file() for shard in col.shards.values() if shard.path is not None)
    toc.delete("c")
    assert not (tmp_path / "collections" / "63").exists()
    toc.close()


def test_reads_across_shards_while_keys_come_and_go() -> None:
    toc = TableOfContent(None)
    col = toc.create("c", CONFIG)
    assert isinstance(col, KeyedCollection)
    col.create_shard_key("base")
    upsert(col, "base", list(range(10)))
    errors: list[BaseException] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            try:
                found = ids(col, None)
                assert found[:10] == list(range(10)), found
            except BaseException as e:  # reported below
                errors.append(e)
                return

    readers = [threading.Thread(target=read) for _ in range(2)]
    for t in readers:
        t.start()
    for round_ in range(150):
        key = f"k{round_}"
        col.create_shard_key(key)
        upsert(col, key, [100 + round_])
        col.delete_shard_key(key)
    stop.set()
    for t in readers:
        t.join()
    assert errors == []
    assert ids(col, None) == list(range(10))
    toc.close()


def test_shard_ids_follow_creation_and_stay_with_their_key(tmp_path: Path) -> None:
    toc = TableOfContent(tmp_path, flush_interval=None)
    col = toc.create("c", CONFIG)
    assert isinstance(col, KeyedCollection)
    for key in ("a", "b", "c"):
        col.create_shard_key(key)
    upsert(col, "c", [1, 2])
    col.delete_shard_key("a")
    assert col.shard_infos() == [(1, "b", 0), (2, "c", 2)]
    toc.close()
    reopened = TableOfContent(tmp_path, flush_interval=None).get("c")
    assert isinstance(reopened, KeyedCollection)
    assert reopened.shard_infos() == [(1, "b", 0), (2, "c", 2)]
    reopened.create_shard_key("d")
    assert [sid for sid, _, _ in reopened.shard_infos()] == [1, 2, 3]


def _one_key_with_points(tmp_path: Path) -> tuple[TableOfContent, KeyedCollection, Path]:
    """A keyed collection "c" with key "a" holding points 1 and 2, and that key's shard
    directory."""
    toc = TableOfContent(tmp_path / "db", flush_interval=None)
    col = toc.create("c", CONFIG)
    assert isinstance(col, KeyedCollection)
    col.create_shard_key("a")
    upsert(col, "a", [1, 2])
    (final,) = list((tmp_path / "db").rglob(SHARDS_DIR))[0].iterdir()
    return toc, col, final


@pytest.mark.parametrize("stage", ["before_key", "both_keys", "old_key_removed"])
def test_an_interrupted_shard_recovery_settles_at_load(tmp_path: Path, stage: str) -> None:
    """``replace_shard`` writes the new directory's key file, then removes the old one's: a
    crash before the second step keeps the old content, after it the new."""
    import shutil

    from vecbase.engine.keyed import RECOVERING

    def reopen() -> tuple[TableOfContent, KeyedCollection]:
        toc = TableOfContent(tmp_path / "db", flush_interval=None)
        col = toc.get("c")
        assert isinstance(col, KeyedCollection)
        return toc, col

    toc, col, final = _one_key_with_points(tmp_path)
    toc.close()
    shutil.copytree(final, tmp_path / "old")
    toc, col = reopen()
    for shard in col.write_targets(ShardSelector(("a",))):
        shard.delete([2])
    upsert(col, "a", [3])
    toc.close()
    staging = final.with_name(final.name + RECOVERING)
    shutil.move(final, staging)  # the recovered content, at the staging name
    shutil.copytree(tmp_path / "old", final)  # the content it replaces
    if stage == "before_key":
        (staging / KEY_FILE).unlink()
    if stage == "old_key_removed":
        (final / KEY_FILE).unlink()
    toc, col = reopen()
    assert not staging.exists() and col.shard_key_list() == ["a"]
    assert ids(col, None) == ([1, 3] if stage == "old_key_removed" else [1, 2])
    toc.close()


def test_a_broken_shard_snapshot_leaves_the_shard_as_it_was(tmp_path: Path) -> None:
    import shutil

    toc, col, final = _one_key_with_points(tmp_path)
    col.flush()
    expected = [1, 2]
    for broken in ("config", "segments"):
        src = tmp_path / f"broken-{broken}"
        shutil.copytree(final, src)
        if broken == "config":
            (src / "collection.json").write_text("{not json")
        else:
            for manifest in src.rglob("manifest.json"):
                manifest.write_text('["no-such-segment"]')
        with pytest.raises(BadRequestError, match="cannot be loaded"):
            col.replace_shard(0, src)
        assert ids(col, None) == expected and col.shard_key_list() == ["a"]
        expected.append(len(expected) + 1)
        upsert(col, "a", expected[-1:])  # still writable
    assert not list(final.parent.glob("*.recovering"))
    toc.close()
