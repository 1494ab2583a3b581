"""A segment written and read back: ids as columns, sealed segments' payload indexes as their
frozen arrays (adopted, not rebuilt), and segments of the previous format."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from qdrant_client.http import models as qm

from tests.oracle import to_vb
from tests.segment.indexed import INDEXED, indexed_collection
from tests.strategies import UUIDS, filters, payloads
from vecbase.api.qdrant.filters import convert_filter
from vecbase.core.config import PayloadIndexSpec, PayloadType
from vecbase.core.filter import FieldMatch, FieldRange, Filter, MatchValue, Range
from vecbase.index.field import FieldIndex
from vecbase.index.payload import IntegerIndex, KeywordIndex
from vecbase.segment.filtering import filter_mask
from vecbase.segment.persistence import load_segment, save_segment, sealed_state
from vecbase.segment.segment import Segment


@pytest.fixture
def tmp() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp())
    yield path
    shutil.rmtree(path, ignore_errors=True)


def reload(seg: Segment, col: Any, path: Path, sealed: bool = True) -> Segment:
    save_segment(seg, path, sealed_state(seg) if seg.frozen else None)
    return load_segment(path, col.config, col.payload_schema, sealed=sealed)


def rebuilt(path: Path, col: Any) -> Segment:
    """The segment at ``path`` with its stored indexes dropped: indexed from its payloads."""
    meta = orjson.loads((path / "meta.json").read_bytes())
    meta["payload_indexes"] = []
    (path / "meta.json").write_bytes(orjson.dumps(meta))
    return load_segment(path, col.config, col.payload_schema, sealed=True)


point_ids = st.lists(st.one_of(st.integers(0, 2**64 - 1), st.sampled_from(UUIDS)), unique=True, max_size=30)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(ids=point_ids, data=st.data(), conditions=st.lists(filters(), min_size=1, max_size=4))
def test_a_sealed_segment_reads_back_its_indexes(
    tmp: Path, ids: list[Any], data: st.DataObject, conditions: list[qm.Filter]
) -> None:
    points = [data.draw(payloads()) for _ in ids]
    deleted = data.draw(st.lists(st.sampled_from(ids), max_size=5)) if ids else []
    client, col = indexed_collection(points, ids)
    seg = col.segments[0]
    seg.freeze()
    for pid in deleted:  # tombstones after the freeze: the stored holders must follow them
        off = seg.live_offset(pid)
        if off is not None:
            seg.drop(off)
    path = tmp / f"s{len(ids)}_{data.draw(st.integers(0, 10**9))}"
    loaded = reload(seg, col, path)
    assert loaded.frozen and loaded.ids.frozen
    assert loaded.ids.to_list() == seg.ids.to_list()
    assert loaded.deleted.tolist() == seg.deleted[: seg.n].tolist()
    for key, index in loaded.field_indexes.items():
        assert index.frozen, key
        assert index.points() == seg.field_indexes[key].points(), key
    again = rebuilt(path, col)
    for flt in conditions:
        internal = convert_filter(to_vb(flt))
        assert internal is not None
        expected = filter_mask(seg, internal).tolist()
        assert filter_mask(loaded, internal).tolist() == expected
        assert filter_mask(again, internal).tolist() == expected
    for key in INDEXED:
        assert loaded.field_indexes[key].facet(loaded.live_mask()) == again.field_indexes[key].facet(again.live_mask())
    client.close()


def test_stored_indexes_are_adopted_not_rebuilt(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    points = [{"kw": f"k{i % 5}", "num": i, "txt": "alpha beta" if i % 2 else "gamma"} for i in range(500)]
    client, col = indexed_collection(points, list(range(500)))
    seg = col.segments[0]
    seg.freeze()
    save_segment(seg, tmp / "s", sealed_state(seg))

    def refuse(*args: Any) -> None:
        raise AssertionError("an index was rebuilt from the payloads")

    monkeypatch.setattr(FieldIndex, "set", refuse)
    loaded = load_segment(tmp / "s", col.config, col.payload_schema, sealed=True)
    flt = Filter(must=(FieldMatch("kw", MatchValue("k3")), FieldRange("num", Range(gte=100, lt=300))))
    assert np.flatnonzero(filter_mask(loaded, flt)).tolist() == [i for i in range(100, 300) if i % 5 == 3]
    client.close()


def test_an_index_created_again_with_another_type_is_rebuilt(tmp: Path) -> None:
    client, col = indexed_collection([{"num": i, "kw": str(i)} for i in range(50)], list(range(50)))
    seg = col.segments[0]
    seg.freeze()
    save_segment(seg, tmp / "s", sealed_state(seg))
    schema = dict(col.payload_schema)
    schema["num"] = PayloadIndexSpec(PayloadType.KEYWORD)  # dropped and created as keyword since
    schema["kw"] = PayloadIndexSpec(PayloadType.INTEGER)
    loaded = load_segment(tmp / "s", col.config, schema, sealed=True)
    assert isinstance(loaded.field_indexes["num"], KeywordIndex)
    assert isinstance(loaded.field_indexes["kw"], IntegerIndex)
    assert loaded.field_indexes["num"].points() == 0  # integers are no keywords
    assert loaded.field_indexes["kw"].points() == 0
    client.close()


def test_the_appendable_segment_reads_back_a_list_that_takes_writes(tmp: Path) -> None:
    ids: list[Any] = [5, UUIDS[0], 2**64 - 1, UUIDS[3], 0]
    client, col = indexed_collection([{"kw": "a"}] * len(ids), ids)
    seg = col.segments[0]
    loaded = reload(seg, col, tmp / "s", sealed=False)
    assert not loaded.ids.frozen and loaded.ids.to_list() == ids
    assert not any(index.frozen for index in loaded.field_indexes.values())
    assert loaded.ids.append(7) == len(ids) and loaded.ids.offset(UUIDS[3]) == 3
    client.close()


def test_a_segment_of_the_first_format_still_loads(tmp: Path) -> None:
    """Format 1: ids in ``ids.json``, no stored payload indexes."""
    ids: list[Any] = [3, UUIDS[1], 1, UUIDS[2]]
    points = [{"kw": "a", "num": 1}, {"kw": "b"}, {"num": 2}, {"kw": "a", "num": 3}]
    client, col = indexed_collection(points, ids)
    seg = col.segments[0]
    seg.freeze()
    path = tmp / "s"
    save_segment(seg, path, sealed_state(seg))
    meta = orjson.loads((path / "meta.json").read_bytes())
    meta["format"] = 1
    del meta["payload_indexes"]
    (path / "meta.json").write_bytes(orjson.dumps(meta))
    (path / "ids.json").write_bytes(orjson.dumps(ids))
    for old in [*path.glob("ids_*.npy"), *path.glob("pi*_*.npy")]:
        old.unlink()
    loaded = load_segment(path, col.config, col.payload_schema, sealed=True)
    assert loaded.ids.to_list() == ids
    flt = Filter(must=(FieldMatch("kw", MatchValue("a")),))
    assert np.flatnonzero(filter_mask(loaded, flt)).tolist() == [0, 3]
    client.close()
