"""Filter evaluation on a segment: a boolean mask over its offsets, or a list of offsets.

Conditions split in two kinds. Those answered without reading a payload (a field whose
payload index answers the condition, ids, vectors, slices) are whole-segment masks, computed
once per evaluation and gathered. The others (a field without such an index, nested
conditions) decode payloads, the cost that grows with the segment: they are checked only at
the rows still undecided, a ``must`` condition only where every earlier one held, and each
payload is decoded once for all of a filter's conditions, a chunk of rows at a time.

``filter_offsets`` is the plan for selective filters: candidates come from the smallest
posting list of a ``must`` condition and only they are checked, so the work is proportional to
the candidates, not to the segment. ``filter_plan`` hands an ordered walk (a scroll page) the
cheap mask and a check of the rest, so a page decodes the payloads of the rows it reads, not
the segment's.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import numpy.typing as npt

from vecbase.core.conditions import Mask, check_field, field_checker
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
from vecbase.core.points import Payload
from vecbase.segment.id_tracker import RowCheck
from vecbase.segment.segment import Segment

I64 = npt.NDArray[np.int64]

_FIELD = (FieldMatch, FieldRange, FieldGeo, FieldValuesCount, IsEmpty, IsNull)
# payloads decoded per step of a check: bounds the decoded objects alive at once
_CHUNK = 4096


def filter_mask(segment: Segment, flt: Filter | None) -> Mask:
    """Offsets of live points that satisfy ``flt`` (all live points when it is None)."""
    cheap, check = filter_plan(segment, flt)
    if check is None:
        return cheap
    offs = np.flatnonzero(cheap)
    out = np.zeros(segment.n, dtype=bool)
    out[offs[check(offs)]] = True
    return out


def filter_plan(segment: Segment, flt: Filter | None) -> tuple[Mask, RowCheck | None]:
    """(live rows passing the ``must`` conditions that read no payload, a check of the rest
    of ``flt`` at given rows of that mask, or None when nothing is left to check)."""
    live = segment.live_mask()
    if flt is None:
        return live, None
    ctx = _Evaluation(segment)
    rest = []
    for cond in flt.must:
        if ctx.cheap(cond):
            live &= ctx.mask(cond)
        else:
            rest.append(cond)
    left = Filter(tuple(rest), flt.should, flt.must_not, flt.min_should)
    if not (left.must or left.should or left.must_not or left.min_should):
        return live, None
    return live, lambda offs: ctx.check(left, offs)


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
    result: I64 = candidates[_Evaluation(segment).check(rest, candidates)]
    return result


def _index_offsets(seg: Segment, cond: Condition) -> I64 | None:
    if isinstance(cond, _FIELD):
        index = seg.field_indexes.get(cond.key)
        return index.offsets(cond) if index is not None else None
    if isinstance(cond, HasId):
        return np.unique(np.fromiter((o for o in map(seg.ids.offset, cond.ids) if o is not None), dtype=np.int64))
    return None


class _Evaluation:
    """One filter evaluation on one segment: the whole-segment masks of conditions that read
    no payload (computed on first use), and the checks of those that do."""

    def __init__(self, seg: Segment) -> None:
        self.seg = seg
        self._masks: dict[int, Mask | None] = {}  # by id(condition): the filter outlives this
        self._checkers: dict[int, Callable[[Payload], bool]] = {}

    def cheap(self, cond: Condition) -> bool:
        """Whether ``cond`` is answered without reading payloads."""
        if isinstance(cond, Filter):
            parts = (*cond.must, *cond.should, *cond.must_not, *(cond.min_should.conditions if cond.min_should else ()))
            return all(self.cheap(c) for c in parts)
        if isinstance(cond, _FIELD):
            return self._index_mask(cond) is not None
        return not isinstance(cond, Nested)

    def _index_mask(self, cond: Condition) -> Mask | None:
        key = id(cond)
        if key not in self._masks:
            index = self.seg.field_indexes.get(cond.key)  # type: ignore[union-attr]
            self._masks[key] = index.mask(cond, self.seg.n) if index is not None else None
        return self._masks[key]

    def mask(self, cond: Condition) -> Mask:
        """The whole-segment mask of a condition that reads no payload."""
        seg, n = self.seg, self.seg.n
        if isinstance(cond, Filter):  # of cheap conditions only: no payload is decoded
            every = np.arange(n, dtype=np.int64)
            return self._filter(cond, _Rows(seg, every), every)
        if isinstance(cond, _FIELD):
            answer = self._index_mask(cond)
            assert answer is not None
            return answer
        key = id(cond)
        cached = self._masks.get(key)
        if cached is None:
            if isinstance(cond, HasId):
                cached = np.zeros(n, dtype=bool)
                cached[[o for o in map(seg.ids.offset, cond.ids) if o is not None]] = True
            elif isinstance(cond, HasVector):
                cached = seg.has_vector_mask(cond.name)
            else:
                assert isinstance(cond, Slice)
                cached = slice_of(seg, cond.total) == cond.index
            self._masks[key] = cached
        return cached

    def check(self, flt: Filter, offs: I64) -> Mask:
        """``flt`` at the rows ``offs``: a chunk of rows at a time, each of their payloads
        decoded at most once, in offset order (payloads lie in offset order: an ordered walk
        reads memory forwards)."""
        if offs.shape[0] > 1 and bool((offs[1:] < offs[:-1]).any()):
            order = np.argsort(offs, kind="stable")
            out = np.empty(offs.shape[0], dtype=bool)
            out[order] = self.check(flt, offs[order])
            return out
        if offs.shape[0] <= _CHUNK:
            return self._filter(flt, _Rows(self.seg, offs), np.arange(offs.shape[0], dtype=np.int64))
        parts = [self.check(flt, offs[lo : lo + _CHUNK]) for lo in range(0, offs.shape[0], _CHUNK)]
        return np.concatenate(parts)

    def _filter(self, flt: Filter, rows: _Rows, at: I64) -> Mask:
        """``flt`` at the positions ``at`` of ``rows``; each condition is checked only where
        the outcome is still open."""
        out = np.ones(at.shape[0], dtype=bool)
        for cond in flt.must:
            open_ = np.flatnonzero(out)
            if open_.shape[0] == 0:
                return out
            out[open_] = self._condition(cond, rows, at[open_])
        for cond in flt.must_not:
            open_ = np.flatnonzero(out)
            if open_.shape[0] == 0:
                return out
            out[open_] = ~self._condition(cond, rows, at[open_])
        if flt.should:
            met = np.zeros(at.shape[0], dtype=bool)
            for cond in flt.should:
                open_ = np.flatnonzero(out & ~met)
                if open_.shape[0] == 0:
                    break
                met[open_] = self._condition(cond, rows, at[open_])
            out &= met
        if flt.min_should is not None:
            counts = np.zeros(at.shape[0], dtype=np.int64)
            open_ = np.flatnonzero(out)
            for cond in flt.min_should.conditions:
                counts[open_] += self._condition(cond, rows, at[open_])
            out &= counts >= flt.min_should.min_count
        return out

    def _condition(self, cond: Condition, rows: _Rows, at: I64) -> Mask:
        if isinstance(cond, Filter):
            return self._filter(cond, rows, at)
        if isinstance(cond, Nested):
            return np.fromiter((nested_match(cond, p) for p in rows.payloads_at(at)), dtype=bool, count=at.shape[0])
        if isinstance(cond, _FIELD) and self._index_mask(cond) is None:
            checker = self._checkers.get(id(cond))
            if checker is None:
                checker = self._checkers[id(cond)] = field_checker(cond)
            return np.fromiter(map(checker, rows.payloads_at(at)), dtype=bool, count=at.shape[0])
        gathered: Mask = self.mask(cond)[rows.offs[at]]
        return gathered


class _Rows:
    """Some rows of a segment and, once asked for, their payloads decoded in one call."""

    __slots__ = ("seg", "offs", "_payloads")

    def __init__(self, seg: Segment, offs: I64) -> None:
        self.seg, self.offs = seg, offs
        self._payloads: list[Payload] | None = None

    def payloads_at(self, at: I64) -> list[Payload]:
        """The payloads at the positions ``at`` (ascending) of these rows."""
        if self._payloads is None:
            self._payloads = self.seg.payloads.copies_of(self.offs.tolist())
        payloads = self._payloads
        return payloads if at.shape[0] == len(payloads) else [payloads[i] for i in at.tolist()]


def slice_of(seg: Segment, total: int) -> npt.NDArray[np.uint64]:
    """Slice number of every offset: SipHash-2-4 of the canonical id bytes, modulo total."""
    is_uuid, hi, lo = seg.ids.columns()
    hashes = np.zeros(seg.n, dtype=np.uint64)
    if (~is_uuid).any():
        hashes[~is_uuid] = hash_int_ids(lo[~is_uuid])
    if is_uuid.any():
        # the UUID's 16 bytes (big-endian hi, lo) read as two little-endian words
        hashes[is_uuid] = hash_uuid_ids(hi[is_uuid].byteswap(), lo[is_uuid].byteswap())
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
