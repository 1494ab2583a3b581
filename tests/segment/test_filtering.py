"""Offset-list filter evaluation (the plan for selective filters) against the full mask."""

from __future__ import annotations

import uuid
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from qdrant_client.http import models as qm

from tests.oracle import to_vb
from tests.segment.indexed import INDEXED, indexed_collection
from tests.strategies import filters, payloads
from vecbase import models as vm
from vecbase.api.qdrant.filters import convert_filter
from vecbase.core.conditions import check_field
from vecbase.core.filter import (
    Condition,
    FieldMatch,
    Filter,
    HasId,
    HasVector,
    MatchAny,
    MatchExcept,
    MatchValue,
    Nested,
    Slice,
)
from vecbase.core.hashing import hash_int_ids, hash_uuid_ids
from vecbase.segment.filtering import filter_mask, filter_offsets, filter_plan, nested_match, slice_of

FILTERED = {key: INDEXED[key] for key in ("kw", "tags", "num", "flt", "flag", "dt")}


def segment_with(points: list[dict[str, Any]], deleted: list[int]) -> Any:
    client, col = indexed_collection(points, indexes=FILTERED)
    if deleted:
        client.delete("c", vm.PointIdsList(points=deleted))
    return col.segments[0]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    points=st.lists(payloads(), max_size=40),
    flt=filters(),
    deleted=st.lists(st.integers(0, 39), max_size=8),
    ids=st.lists(st.integers(0, 45), max_size=6),
)
def test_offsets_equal_the_mask(
    points: list[dict[str, Any]], flt: qm.Filter, deleted: list[int], ids: list[int]
) -> None:
    seg = segment_with(points, sorted({d for d in deleted if d < len(points)}))
    internal = convert_filter(to_vb(flt))
    assert internal is not None
    # an id condition too, so the planner can also start from the id map
    for f in (internal, Filter(must=(HasId(frozenset(ids)), *internal.must), must_not=internal.must_not)):
        expected = np.nonzero(filter_mask(seg, f))[0].tolist()
        got = filter_offsets(seg, f, seg.n)
        if got is not None:
            assert got.tolist() == expected
        # a limit below the smallest candidate list declines rather than answering partially
        assert filter_offsets(seg, f, -1) is None
        within = seg.live_mask() & (np.arange(seg.n) % 3 != 0)
        got = filter_offsets(seg, f, seg.n, within=within)
        if got is not None:
            assert got.tolist() == np.nonzero(filter_mask(seg, f) & within)[0].tolist()


def holds(seg: Any, cond: Condition, off: int) -> bool:
    """One condition at one row, read point by point: no index, no plan."""
    if isinstance(cond, Filter):
        parts = cond.min_should.conditions if cond.min_should else ()
        return (
            all(holds(seg, c, off) for c in cond.must)
            and not any(holds(seg, c, off) for c in cond.must_not)
            and (not cond.should or any(holds(seg, c, off) for c in cond.should))
            and (cond.min_should is None or sum(holds(seg, c, off) for c in parts) >= cond.min_should.min_count)
        )
    if isinstance(cond, HasId):
        return seg.ids[off] in cond.ids
    if isinstance(cond, HasVector):
        return bool(seg.has_vector_mask(cond.name)[off])
    if isinstance(cond, Slice):
        return bool(slice_of(seg, cond.total)[off] == cond.index)
    if isinstance(cond, Nested):
        return nested_match(cond, seg.payloads[off])
    return check_field(cond, seg.payloads[off])  # type: ignore[arg-type]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    points=st.lists(payloads(), max_size=40),
    flt=filters(),
    deleted=st.lists(st.integers(0, 39), max_size=8),
    ids=st.lists(st.integers(0, 45), max_size=6),
)
def test_the_mask_is_each_point_checked_alone(
    points: list[dict[str, Any]], flt: qm.Filter, deleted: list[int], ids: list[int]
) -> None:
    """The planned evaluation (index masks first, payload checks only where the outcome is
    open, each payload decoded once) against checking every live point on its own."""
    seg = segment_with(points, sorted({d for d in deleted if d < len(points)}))
    internal = convert_filter(to_vb(flt))
    assert internal is not None
    for f in (internal, Filter(must=(HasId(frozenset(ids)), internal), should=internal.must_not)):
        expected = [o for o in range(seg.n) if not seg.deleted[o] and holds(seg, f, o)]
        assert np.flatnonzero(filter_mask(seg, f)).tolist() == expected
        cheap, check = filter_plan(seg, f)
        assert set(expected) <= set(np.flatnonzero(cheap).tolist())
        if check is not None:
            rows = np.flatnonzero(cheap)[::-1].copy()  # any order
            assert sorted(rows[check(rows)].tolist()) == expected


def test_payloads_are_decoded_only_where_the_indexes_leave_the_outcome_open() -> None:
    points = [{"kw": "a" if i % 10 == 0 else "b", "free": i % 7, "other": i % 3} for i in range(10_000)]
    seg = segment_with(points, [0])
    decoded: list[int] = []
    store = seg.payloads
    real = store.copies_of

    def counting(offsets: list[int]) -> list[Any]:
        decoded.extend(offsets)
        return real(offsets)

    store.copies_of = counting
    flt = convert_filter(
        vm.Filter(
            must=[
                vm.FieldCondition(key="free", range=vm.Range(lte=2)),
                vm.FieldCondition(key="kw", match=vm.MatchValue(value="a")),
                vm.FieldCondition(key="other", match=vm.MatchValue(value=1)),
            ]
        )
    )
    assert flt is not None
    got = np.flatnonzero(filter_mask(seg, flt)).tolist()
    assert got == [i for i in range(1, 10_000) if i % 10 == 0 and i % 7 <= 2 and i % 3 == 1]
    # the keyword index answers first: 999 live rows with "a", each decoded once for both checks
    assert sorted(decoded) == list(range(10, 10_000, 10))


def test_selective_keyword_filter_lists_offsets() -> None:
    points = [{"kw": "a" if i % 10 == 0 else "b", "num": i} for i in range(100)]
    seg = segment_with(points, [0, 50])
    flt = convert_filter(
        vm.Filter(
            must=[vm.FieldCondition(key="kw", match=vm.MatchValue(value="a"))],
            must_not=[vm.FieldCondition(key="num", range=vm.Range(gte=80))],
        )
    )
    assert flt is not None
    got = filter_offsets(seg, flt, 20)
    assert got is not None
    assert got.tolist() == [10, 20, 30, 40, 60, 70]
    assert filter_offsets(seg, flt, 5) is None  # 10 candidates: more than the limit


def test_match_values_compare_with_their_types() -> None:
    # filters key per-segment memos: True and 1 are equal in Python, not as filter values
    assert MatchValue(True) != MatchValue(1) and MatchValue(1) == MatchValue(1)
    assert MatchAny((True, "a")) != MatchAny((1, "a")) and MatchExcept((0,)) != MatchExcept((False,))
    as_true = Filter(must=(FieldMatch("k", MatchValue(True)),))
    as_one = Filter(must=(FieldMatch("k", MatchValue(1)),))
    assert as_true != as_one and as_true == Filter(must=(FieldMatch("k", MatchValue(True)),))
    assert len({as_true, as_one, Filter(must=(FieldMatch("k", MatchValue(True)),))}) == 2


def test_single_match_filters_are_shared_per_typed_value() -> None:
    """The common filter (one field equals one value) converts to one shared object per
    typed value, so per-segment plan memos hit by identity; True and 1 stay apart."""

    def one(value: Any) -> Filter | None:
        return convert_filter(vm.Filter(must=[vm.FieldCondition(key="k", match=vm.MatchValue(value=value))]))

    assert one(True) is one(True) and one("a") is one("a")
    assert one(True) is not one(1) and one(True) != one(1)
    assert one(True) == Filter(must=(FieldMatch("k", MatchValue(True)),))
    assert hash(one(7)) == hash(Filter(must=(FieldMatch("k", MatchValue(7)),)))
    # other shapes convert as before, equal to their hand-built twins
    two = convert_filter(
        vm.Filter(
            must=[vm.FieldCondition(key="k", match=vm.MatchValue(value=1))],
            must_not=[vm.FieldCondition(key="j", match=vm.MatchValue(value="x"))],
        )
    )
    assert two == Filter(must=(FieldMatch("k", MatchValue(1)),), must_not=(FieldMatch("j", MatchValue("x")),))
    shared = one(1)
    assert two is not None and shared is not None and two.must[0] is shared.must[0]


def test_slices_hash_the_canonical_id_bytes() -> None:
    """Slice numbers read from the id columns equal hashing each id's own bytes: an integer
    as one word, a UUID's 16 RFC 4122 bytes as two little-endian words."""
    ids: list[Any] = [0, 7, 2**64 - 1, str(uuid.UUID(int=1)), str(uuid.UUID(int=2**128 - 2)), str(uuid.uuid4())]
    _, col = indexed_collection([{} for _ in ids], ids, indexes={})
    seg = col.segments[0]

    def one(pid: Any) -> int:
        if isinstance(pid, int):
            return int(hash_int_ids(np.array([pid], dtype=np.uint64))[0])
        words = np.frombuffer(uuid.UUID(pid).bytes, dtype="<u8")
        return int(hash_uuid_ids(words[:1].copy(), words[1:].copy())[0])

    for frozen in (False, True):
        if frozen:
            seg.freeze()
        for total in (1, 3, 7):
            assert slice_of(seg, total).tolist() == [one(seg.ids[o]) % total for o in range(seg.n)]
