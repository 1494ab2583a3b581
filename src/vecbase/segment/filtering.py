"""Filter evaluation on a segment: a boolean mask over its offsets.

Field conditions go to the field's payload index when it can answer them (array
operations); otherwise each payload is checked. Deleted points are not masked out here;
callers combine the result with the segment's live mask.
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

_FIELD = (FieldMatch, FieldRange, FieldGeo, FieldValuesCount, IsEmpty, IsNull)


def filter_mask(segment: Segment, flt: Filter | None) -> Mask:
    """Offsets of live points that satisfy ``flt`` (all live points when it is None)."""
    live = segment.live_mask()
    if flt is None:
        return live
    return _filter(segment, flt) & live


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
        offs = [seg.offset_of[i] for i in cond.ids if i in seg.offset_of]
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
