"""A merge copies ids and payload documents as columns: the merged segment's ids, lookups and
payloads are those of the source rows, in merged order or in a given order, whatever the mix
of integer and UUID ids and of frozen and appendable sources. Its payload indexes are
gathered from the sources' frozen ones and answer as a build from the payloads would."""

from __future__ import annotations

import uuid
from typing import Any

import numpy as np
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from qdrant_client.http import models as qm

from tests.oracle import to_vb
from tests.segment.indexed import indexed_collection
from tests.strategies import filters, payloads
from vecbase.api.qdrant.filters import convert_filter
from vecbase.core.filter import FieldMatch, Filter, MatchPhrase, MatchValue
from vecbase.core.ids import PointId
from vecbase.core.points import PayloadDocs
from vecbase.index.field import FieldIndex
from vecbase.index.payload import NumericIndex
from vecbase.index.text import TextIndex
from vecbase.segment.filtering import filter_mask
from vecbase.segment.id_tracker import FrozenIds, IdTracker
from vecbase.segment.merge import merged_segment, snapshot
from vecbase.segment.payloads import PayloadStore
from vecbase.segment.segment import Segment


def tracker(ids: list[PointId], frozen: bool) -> IdTracker:
    t = IdTracker(ids)
    if frozen:
        t.freeze()
    return t


@pytest.mark.parametrize("frozen", [True, False])
def test_id_columns_gathered_in_any_order(frozen: bool) -> None:
    a: list[PointId] = [5, str(uuid.UUID(int=7)), 3, 2**63 + 1]
    b: list[PointId] = [str(uuid.UUID(int=2**100 + 9)), 11, 4]
    sources = [(tracker(a, frozen), np.array([0, 1, 3])), (tracker(b, True), np.array([2, 0]))]
    merged = [a[0], a[1], a[3], b[2], b[0]]
    for order in (None, np.array([4, 2, 0, 3, 1])):
        cols = [t.columns() for t, _ in sources]
        parts = [np.concatenate([c[k][offs] for c, (_, offs) in zip(cols, sources)]) for k in range(3)]
        if order is not None:
            parts = [p[order] for p in parts]
        got = IdTracker.of_frozen(FrozenIds.of_columns(*parts))
        want = merged if order is None else [merged[i] for i in order.tolist()]
        assert [got[o] for o in range(len(want))] == want
        assert got.ids_at(list(range(len(want)))) == want
        for off, pid in enumerate(want):
            assert got.offset(pid) == off
        assert got.offset(6) is None and got.offset(str(uuid.UUID(int=8))) is None


def test_payload_documents_gathered_from_frozen_and_appendable_stores() -> None:
    frozen = PayloadStore.from_docs(orjson.dumps({"f": i}) for i in range(5))
    live = PayloadStore()
    live.extend(PayloadDocs.of({"a": i, "text": "x" * i} for i in range(4)))
    live[1] = {"rewritten": True}  # leaves garbage in the appendable buffer
    live[2] = {}
    parts = [(frozen, np.array([4, 0, 2])), (live, np.array([1, 3, 2]))]
    merged = [{"f": 4}, {"f": 0}, {"f": 2}, {"rewritten": True}, {"a": 3, "text": "xxx"}, {}]
    store = PayloadStore.gathered(parts)
    assert not live.frozen
    assert store.frozen and [store[i] for i in range(6)] == merged
    order = np.array([5, 3, 0, 4, 1, 2])
    store = PayloadStore.gathered(parts, order)
    assert [store[i] for i in range(6)] == [merged[i] for i in order.tolist()]
    assert store.copies_of([0, 1, 2]) == [merged[5], merged[3], merged[0]]
    assert len(PayloadStore.gathered([])) == 0


def source_segment(points: list[dict[str, Any]], first_id: int, frozen: bool, deleted: list[int]) -> Segment:
    _, col = indexed_collection(points, list(range(first_id, first_id + len(points))))
    seg: Segment = col.segments[0]
    if frozen:
        seg.freeze()
    for off in deleted:
        if off < seg.n and not seg.deleted[off]:
            seg.drop(off)
    return seg


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    a=st.lists(payloads(), max_size=25),
    b=st.lists(payloads(), max_size=25),
    frozen=st.tuples(st.booleans(), st.booleans()),
    deleted=st.lists(st.integers(0, 24), max_size=6),
    conditions=st.lists(filters(), min_size=1, max_size=3),
    data=st.data(),
)
def test_merged_indexes_are_gathered_as_a_build_from_the_payloads_would_make_them(
    a: list[dict[str, Any]],
    b: list[dict[str, Any]],
    frozen: tuple[bool, bool],
    deleted: list[int],
    conditions: list[qm.Filter],
    data: st.DataObject,
) -> None:
    segments = [source_segment(a, 0, frozen[0], deleted), source_segment(b, 1000, frozen[1], deleted[::2])]
    config = segments[0].config
    schema = {key: index.spec for key, index in segments[0].field_indexes.items()}
    sources = snapshot(segments)
    n = sum(s.offsets.shape[0] for s in sources)
    order = np.array(data.draw(st.permutations(range(n))), dtype=np.int64) if data.draw(st.booleans()) else None
    merged = merged_segment(config, schema, sources, order)
    rebuilt = Segment(config, schema)  # the same rows indexed from their payloads
    rebuilt.restore(
        merged.ids, merged.versions, merged.deleted.copy(), merged.payloads, dict(merged.vectors), merged.version
    )
    rebuilt.freeze()
    for key, index in merged.field_indexes.items():
        other = rebuilt.field_indexes[key]
        assert index.frozen and index.points() == other.points(), key
        if isinstance(index, NumericIndex):
            got, want = index.columns(), other.columns()  # order_by reads them: ties too
            assert got[0].tolist() == want[0].tolist() and got[1].tolist() == want[1].tolist(), key
        assert index.facet(merged.live_mask()) == other.facet(rebuilt.live_mask()), key
        if isinstance(index, TextIndex):  # phrases read the token sequences: each row's, as words
            assert isinstance(other, TextIndex)
            for mine, theirs in zip(sequences_of(index, merged.n), sequences_of(other, merged.n)):
                assert mine == theirs
    for flt in conditions:
        internal = convert_filter(to_vb(flt))
        assert internal is not None
        assert filter_mask(merged, internal).tolist() == filter_mask(rebuilt, internal).tolist()


def sequences_of(index: TextIndex, n: int) -> list[list[list[str | None]]]:
    words = {i: t for t, i in index._vocab.items()}
    return [[[words.get(t) for t in seq] for seq in index._sequence(o)] for o in range(n)]


def test_a_frozen_source_index_is_gathered_not_rebuilt(monkeypatch: pytest.MonkeyPatch) -> None:
    host = source_segment([{"kw": f"k{i % 4}", "num": i} for i in range(300)], 0, True, [7])
    small = source_segment([{"kw": "k1", "num": -i} for i in range(20)], 1000, False, [])
    indexed: list[int] = []
    real = FieldIndex.set

    def counting(self: FieldIndex, offset: int, payload: dict[str, Any]) -> None:
        indexed.append(offset)
        real(self, offset, payload)

    monkeypatch.setattr(FieldIndex, "set", counting)
    schema = {key: host.field_indexes[key].spec for key in ("kw", "num")}
    merged = merged_segment(host.config, schema, snapshot([host, small]))
    # only the appendable source's 20 rows (after the host's 299) were read, once per index
    assert sorted(indexed) == sorted(list(range(299, 319)) * 2)
    flt = Filter(must=(FieldMatch("kw", MatchValue("k1")),))
    assert merged.n == 319 and int(filter_mask(merged, flt).sum()) == 75 + 20


def test_phrases_read_the_gathered_token_sequences() -> None:
    """Two frozen sources whose vocabularies number the same words differently, and a
    mutable one: phrase matches read the merged sequences, in the merged rows' order."""
    first = source_segment([{"txt": "alpha beta gamma"}, {"txt": "gamma"}, {"txt": ""}], 0, True, [])
    second = source_segment([{"txt": "gamma beta alpha"}, {"txt": "beta gamma"}], 100, True, [])
    third = source_segment([{"txt": "delta alpha beta"}, {"txt": ["beta", "gamma delta"]}], 200, False, [])
    schema = {"txt": first.field_indexes["txt"].spec}
    sources = snapshot([first, second, third])
    for order in (None, np.array([6, 0, 5, 1, 4, 2, 3])):
        merged = merged_segment(first.config, schema, sources, order)
        index = merged.field_indexes["txt"]
        assert index.frozen and index.points() == 7  # the empty text holds a value too

        def phrase(text: str, seg: Segment = merged) -> list[int]:
            flt = Filter(must=(FieldMatch("txt", MatchPhrase(text)),))
            return sorted(int(seg.ids[o]) for o in np.flatnonzero(filter_mask(seg, flt)))

        assert phrase("alpha beta") == [0, 200]
        assert phrase("beta gamma") == [0, 101]  # not across the two values of point 201
        assert phrase("gamma beta") == [100]
        assert phrase("gamma delta") == [201]
        assert phrase("beta alpha") == [100]
