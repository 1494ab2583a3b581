"""Filter evaluation on a segment: a boolean mask over its offsets, or a list of offsets.

Field conditions go to the field's payload index when it can answer them (array
operations); otherwise each payload is checked. ``filter_offsets`` is the plan for selective
filters: candidates come from the smallest posting list of a ``must`` condition and only they
are checked, so the work is proportional to the candidates, not to the segment.
"""

from __future__ import annotations

import uuid
from typing import Any

import numpy as np
import numpy.typing as npt

from vecbase.core.conditions import Mask, check_field
from vecbase.core.filter import (
    Condition,
    FieldGeo,
    FieldMatch,
    FieldRange,
    FieldValuesCount,
    Filter,
    HasId,
    HasVector,
    IsEmpty,
    IsNull,
    Nested,
    Slice,
)
from vecbase.core.hashing import hash_int_ids, hash_uuid_ids
from vecbase.core.paths import values_at
from vecbase.segment.segment import Segment

I64 = npt.NDArray[np.int64]

_FIELD = (FieldMatch, FieldRange, FieldGeo, FieldValuesCount, IsEmpty, IsNull)


def filter_mask(segment: Segment, flt: Filter | None) -> Mask:
    """Offsets of live points that satisfy ``flt`` (all live points when it is None)."""
    live = segment.live_mask()
    if flt is None:
        return live
    return _filter(segment, flt) & live


def filter_offsets(segment: Segment, flt: Filter, limit: int, within: Mask | None = None) -> I64 | None:
    """Sorted offsets of live points that satisfy ``flt`` (and ``within``, a mask of live
    rows, when given), when a ``must`` condition's payload index lists at most ``limit``
    candidates; None otherwise (use ``filter_mask``)."""
    best: I64 | None = None
    source = -1
    for i, cond in enumerate(flt.must):
        offs = _index_offsets(segment, cond)
        if offs is not None and (best is None or offs.shape[0] < best.shape[0]):
            best, source = offs, i
    if best is None or best.shape[0] > limit:
        return None
    n = segment.n
    if best.shape[0] and best[-1] >= n:
        best = best[: np.searchsorted(best, n)]
    candidates = best[within[best]] if within is not None else best[~segment.deleted[best]]
    # the candidates satisfy the condition they came from: check only the rest
    rest = Filter(flt.must[:source] + flt.must[source + 1 :], flt.should, flt.must_not, flt.min_should)
    if not (rest.must or rest.should or rest.must_not or rest.min_should):
        return candidates
    result: I64 = candidates[_filter_at(segment, rest, candidates)]
    return result


def _index_offsets(seg: Segment, cond: Condition) -> I64 | None:
    if isinstance(cond, _FIELD):
        index = seg.field_indexes.get(cond.key)
        return index.offsets(cond) if index is not None else None
    if isinstance(cond, HasId):
        return np.unique(np.fromiter((o for o in map(seg.ids.offset, cond.ids) if o is not None), dtype=np.int64))
    return None


def _filter_at(seg: Segment, flt: Filter, offs: I64) -> Mask:
    """``_filter`` evaluated at the given offsets only."""
    k = offs.shape[0]
    out = np.ones(k, dtype=bool)
    for cond in flt.must:
        out &= _condition_at(seg, cond, offs)
    for cond in flt.must_not:
        out &= ~_condition_at(seg, cond, offs)
    if flt.should:
        any_of = np.zeros(k, dtype=bool)
        for cond in flt.should:
            any_of |= _condition_at(seg, cond, offs)
        out &= any_of
    if flt.min_should is not None:
        counts = np.zeros(k, dtype=np.int64)
        for cond in flt.min_should.conditions:
            counts += _condition_at(seg, cond, offs)
        out &= counts >= flt.min_should.min_count
    return out


def _condition_at(seg: Segment, cond: Condition, offs: I64) -> Mask:
    k = offs.shape[0]
    if isinstance(cond, Filter):
        return _filter_at(seg, cond, offs)
    if isinstance(cond, _FIELD):
        index = seg.field_indexes.get(cond.key)
        if index is not None:
            answer = index.mask(cond, seg.n)  # posting answers are cached masks: a gather
            if answer is not None:
                return answer[offs]
        payloads = seg.payloads
        return np.fromiter((check_field(cond, payloads[o]) for o in offs.tolist()), dtype=bool, count=k)
    if isinstance(cond, HasId):
        ids = seg.ids
        return np.fromiter((ids[o] in cond.ids for o in offs.tolist()), dtype=bool, count=k)
    if isinstance(cond, HasVector):
        return seg.has_vector_mask(cond.name)[offs]
    if isinstance(cond, Slice):
        in_slice: Mask = slice_of(seg, cond.total)[offs] == cond.index
        return in_slice
    assert isinstance(cond, Nested)
    payloads = seg.payloads
    return np.fromiter((nested_match(cond, payloads[o]) for o in offs.tolist()), dtype=bool, count=k)


def _filter(seg: Segment, flt: Filter) -> Mask:
    n = seg.n
    out = np.ones(n, dtype=bool)
    for cond in flt.must:
        out &= _condition(seg, cond)
    for cond in flt.must_not:
        out &= ~_condition(seg, cond)
    if flt.should:
        any_of = np.zeros(n, dtype=bool)
        for cond in flt.should:
            any_of |= _condition(seg, cond)
        out &= any_of
    if flt.min_should is not None:
        counts = np.zeros(n, dtype=np.int64)
        for cond in flt.min_should.conditions:
            counts += _condition(seg, cond)
        out &= counts >= flt.min_should.min_count
    return out


def _condition(seg: Segment, cond: Condition) -> Mask:
    n = seg.n
    if isinstance(cond, Filter):
        return _filter(seg, cond)
    if isinstance(cond, _FIELD):
        index = seg.field_indexes.get(cond.key)
        if index is not None:
            answer = index.mask(cond, n)
            if answer is not None:
                return answer
        return np.fromiter((check_field(cond, p) for p in seg.payloads), dtype=bool, count=n)
    if isinstance(cond, HasId):
        out = np.zeros(n, dtype=bool)
        offs = [o for o in map(seg.ids.offset, cond.ids) if o is not None]
        out[offs] = True
        return out
    if isinstance(cond, HasVector):
        return seg.has_vector_mask(cond.name)
    if isinstance(cond, Slice):
        in_slice: Mask = slice_of(seg, cond.total) == cond.index
        return in_slice
    assert isinstance(cond, Nested)
    return np.fromiter((nested_match(cond, p) for p in seg.payloads), dtype=bool, count=n)


def slice_of(seg: Segment, total: int) -> npt.NDArray[np.uint64]:
    """Slice number of every offset: SipHash-2-4 of the canonical id bytes, modulo total."""
    n = seg.n
    hashes = np.zeros(n, dtype=np.uint64)
    is_int = np.fromiter((isinstance(i, int) for i in seg.ids), dtype=bool, count=n)
    if is_int.any():
        ints = np.array([i for i in seg.ids if isinstance(i, int)], dtype=np.uint64)
        hashes[is_int] = hash_int_ids(ints)
    if (~is_int).any():
        raw = b"".join(uuid.UUID(str(i)).bytes for i in seg.ids if not isinstance(i, int))
        words = np.frombuffer(raw, dtype="<u8").reshape(-1, 2)
        hashes[~is_int] = hash_uuid_ids(words[:, 0].copy(), words[:, 1].copy())
    result: npt.NDArray[np.uint64] = hashes % np.uint64(total)
    return result


def nested_match(cond: Nested, payload: dict[str, Any]) -> bool:
    """The inner filter holds for at least one object of the array at the nested key."""
    key = cond.key[:-2] if cond.key.endswith("[]") and len(cond.key) > 2 else cond.key
    for value in values_at(payload, key, flat=False):
        if isinstance(value, list):
            for element in value:
                if isinstance(element, dict) and payload_matches(cond.filter, element):
                    return True
    return False


def payload_matches(flt: Filter, payload: dict[str, Any]) -> bool:
    """A filter on one payload alone: id, vector and slice conditions never hold here."""

    def check(cond: Condition) -> bool:
        if isinstance(cond, Filter):
            return payload_matches(cond, payload)
        if isinstance(cond, _FIELD):
            return check_field(cond, payload)
        if isinstance(cond, Nested):
            return nested_match(cond, payload)
        return False

    if not all(check(c) for c in flt.must):
        return False
    if any(check(c) for c in flt.must_not):
        return False
    if flt.should and not any(check(c) for c in flt.should):
        return False
    if flt.min_should is not None and sum(check(c) for c in flt.min_should.conditions) < flt.min_should.min_count:
        return False
    return True
