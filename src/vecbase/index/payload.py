"""Payload field indexes over segment offsets.

Each index keeps the values of one payload path per offset and answers the conditions it
can with array operations; ``mask`` returns None for a condition it cannot answer, and
the caller falls back to checking payloads. Structures: posting sets per value (keyword,
bool, uuid, text tokens), sorted (value, offset) columns (integer, float, datetime: ranges,
order_by, facets), coordinate columns (geo).

A sealed segment freezes its indexes: postings become sorted offset arrays and the per-offset
value map is dropped (a few bytes per entry instead of ~150). A frozen index only takes
removals, which clear a bit; its answers may then still list removed offsets, which every
caller masks with the segment's live rows anyway.
"""

from __future__ import annotations

import uuid
from typing import Any, Hashable, Mapping, Sequence

import numpy as np
import numpy.typing as npt

from vecbase.core.conditions import Mask, as_geo_point, empty_mask, micros_bounds
from vecbase.core.config import PayloadIndexSpec, PayloadType
from vecbase.core.datetimes import parse_micros
from vecbase.core.filter import (
    Condition,
    DatetimeRange,
    FieldGeo,
    FieldMatch,
    FieldRange,
    MatchAny,
    MatchPrefix,
    MatchValue,
    Range,
)
from vecbase.core.geo import geo_mask
from vecbase.index.field import I32, I64, FieldIndex, merged_postings, pack_postings, split_postings
from vecbase.index.text import TextIndex


class PostingIndex(FieldIndex):
    """value -> set of offsets: keyword, bool and uuid."""

    def __init__(self, key: str, spec: PayloadIndexSpec) -> None:
        super().__init__(key, spec)
        self._postings: dict[Hashable, set[int]] = {}
        # offsets of a posting as an array, built on first use: queries never iterate sets
        self._arrays: dict[Hashable, I32] = {}
        # answers (read-only masks) of recent conditions, dropped on any change
        self._masks: dict[tuple[tuple[Any, ...], int], Mask] = {}
        self._pack: tuple[list[Any], I64, I32] | None = None  # see _packed

    def _added(self, offset: int, values: tuple[Any, ...]) -> None:
        self._masks.clear()
        self._pack = None
        for v in values:
            self._postings.setdefault(v, set()).add(offset)
            self._arrays.pop(v, None)

    def _removed(self, offset: int, values: tuple[Any, ...]) -> None:
        self._masks.clear()
        self._pack = None
        for v in values:
            self._arrays.pop(v, None)
            posting = self._postings.get(v)
            if posting is not None:
                posting.discard(offset)
                if not posting:
                    del self._postings[v]

    def _union(self, keys: list[Any], n: int) -> Mask:
        cache_key = (tuple((type(k).__name__, k) for k in keys), n)  # True and 1 hash alike
        cached = self._masks.get(cache_key)
        if cached is not None:
            return cached
        out = self._compute_union(keys, n)
        if len(self._masks) >= 32:
            self._masks.clear()
        self._masks[cache_key] = out
        return out

    def _freeze(self) -> bool:
        for key in list(self._postings):
            self._posting(key)
        self._postings = {}
        return True

    def _all_keys(self) -> list[Any]:
        return list(self._arrays if self.frozen else self._postings)

    def _gather(self, parts: Sequence[tuple[FieldIndex, I64]]) -> I64:
        sources = [(index._arrays, new_of) for index, new_of in parts if isinstance(index, PostingIndex)]
        assert len(sources) == len(parts)
        self._postings = {}
        self._arrays = merged_postings(sources)
        return np.concatenate([*self._arrays.values(), np.zeros(0, dtype=np.int32)]).astype(np.int64)

    def _dump(self) -> tuple[dict[str, Any], dict[str, npt.NDArray[Any]]]:
        offsets, ends = pack_postings(list(self._arrays.values()))
        return {"keys": list(self._arrays)}, {"offsets": offsets, "ends": ends}

    def _adopt(self, described: dict[str, Any], arrays: Mapping[str, npt.NDArray[Any]]) -> None:
        self._postings = {}
        self._arrays = dict(zip(described["keys"], split_postings(arrays["offsets"], arrays["ends"])))

    def _posting(self, key: Any) -> I32 | None:
        """The sorted offsets holding ``key``, as an array cached until the posting changes."""
        array = self._arrays.get(key)
        if array is None and not self.frozen:
            posting = self._postings.get(key)
            if not posting:
                return None
            # int32 offsets: half the memory of int64, and segments stay far below 2**31 points
            array = np.sort(np.fromiter(posting, dtype=np.int32, count=len(posting)))
            self._arrays[key] = array
        return array

    def _compute_union(self, keys: list[Any], n: int) -> Mask:
        out = empty_mask(n)
        for k in keys:
            array = self._posting(k)
            if array is not None:
                out[array[array < n]] = True
        return out

    def _keys(self, cond: Condition) -> list[Any] | None:
        """The posting keys whose union answers ``cond``, or None."""
        if not isinstance(cond, FieldMatch):
            return None
        m = cond.match
        if isinstance(m, MatchValue):
            operands: tuple[Any, ...] = (m.value,)
        elif isinstance(m, MatchAny):
            operands = m.values
        elif isinstance(m, MatchPrefix) and self.spec.type is PayloadType.KEYWORD:
            return [k for k in self._all_keys() if isinstance(k, str) and k.startswith(m.prefix)]
        else:
            return None
        keys = [self.extract(v) for v in operands]
        if any(k is None for k in keys):
            return None  # an operand of another type: only a payload check can answer
        return keys

    def mask(self, cond: Condition, n: int) -> Mask | None:
        keys = self._keys(cond)
        return None if keys is None else self._union(keys, n)

    def offsets(self, cond: Condition) -> I64 | None:
        keys = self._keys(cond)
        if keys is None:
            return None
        arrays = [a for a in map(self._posting, keys) if a is not None]
        if len(arrays) == 1:
            return arrays[0].astype(np.int64)
        return np.unique(np.concatenate(arrays)).astype(np.int64) if arrays else np.empty(0, dtype=np.int64)

    def facet(self, allowed: Mask) -> dict[Any, int]:
        keys, counts = self.facet_counts(allowed)
        return dict(zip(keys, counts.tolist()))

    def facet_counts(self, allowed: Mask) -> tuple[list[Any], I64]:
        """(the values held by allowed offsets, how many allowed offsets hold each), counted
        with one ``bincount`` over all postings: a field of many distinct values (a document
        id) costs a pass over its offsets, not a numpy call per value."""
        keys, key_of, offsets = self._packed()
        inside = offsets < allowed.shape[0]
        hits = key_of[inside][allowed[offsets[inside]]]
        counts = np.bincount(hits, minlength=len(keys))
        found = np.flatnonzero(counts)
        return [keys[i] for i in found.tolist()], counts[found]

    def _packed(self) -> tuple[list[Any], I64, I32]:
        """(values, the value number of each entry, the offset of each entry): all postings
        in one array, kept until the index changes (a frozen index's removals clear holding
        bits only: its entries stay)."""
        if self._pack is not None:
            return self._pack
        keys = self._all_keys()
        postings = [self._posting(k) for k in keys]
        arrays = [p if p is not None else np.zeros(0, dtype=np.int32) for p in postings]
        offsets, ends = pack_postings(arrays)
        key_of = np.repeat(np.arange(len(keys), dtype=np.int64), np.diff(ends, prepend=0))
        self._pack = (keys, key_of, offsets)
        return self._pack


class KeywordIndex(PostingIndex):
    def extract(self, raw: Any) -> Any | None:
        return raw if isinstance(raw, str) else None


class BoolIndex(PostingIndex):
    def extract(self, raw: Any) -> Any | None:
        return raw if isinstance(raw, bool) else None


class UuidIndex(PostingIndex):
    def extract(self, raw: Any) -> Any | None:
        if not isinstance(raw, str):
            return None
        try:
            return str(uuid.UUID(raw))
        except ValueError:
            return None


class NumericIndex(FieldIndex):
    """Sorted (value, offset) columns, rebuilt lazily after writes: integer, float, datetime."""

    def __init__(self, key: str, spec: PayloadIndexSpec) -> None:
        super().__init__(key, spec)
        self._sorted: tuple[npt.NDArray[Any], I64] | None = None

    def _added(self, offset: int, values: tuple[Any, ...]) -> None:
        self._sorted = None

    def _removed(self, offset: int, values: tuple[Any, ...]) -> None:
        self._sorted = None

    def _freeze(self) -> bool:
        self.columns()
        return True

    def _gather(self, parts: Sequence[tuple[FieldIndex, I64]]) -> I64:
        values, rows = [], []
        for index, new_of in parts:
            assert isinstance(index, NumericIndex)
            vals, offs = index.columns()
            mapped = new_of[offs]
            keep = mapped >= 0
            values.append(vals[keep])
            rows.append(mapped[keep])
        vals = np.concatenate([*values, np.zeros(0, dtype=self._dtype)]).astype(self._dtype)
        offs = np.concatenate([*rows, np.zeros(0, dtype=np.int64)])
        order = np.lexsort((offs, vals))  # ties by row, as a build from the payloads orders them
        self._sorted = (vals[order], offs[order])
        return offs

    def _dump(self) -> tuple[dict[str, Any], dict[str, npt.NDArray[Any]]]:
        vals, offs = self.columns()
        return {}, {"values": vals, "offsets": offs}

    def _adopt(self, described: dict[str, Any], arrays: Mapping[str, npt.NDArray[Any]]) -> None:
        self._sorted = (np.asarray(arrays["values"], dtype=self._dtype), np.asarray(arrays["offsets"], dtype=np.int64))

    @property
    def _dtype(self) -> type[np.int64] | type[np.float64]:
        """Of the value column: integers and datetimes (microseconds) as int64."""
        return np.int64 if self.spec.type is not PayloadType.FLOAT else np.float64

    def columns(self) -> tuple[npt.NDArray[Any], I64]:
        """(values ascending, their offsets); an offset appears once per distinct value."""
        if self._sorted is None:
            dtype = self._dtype
            counts = [len(v) for v in self._values.values()]
            vals = np.fromiter((x for vs in self._values.values() for x in vs), dtype=dtype, count=sum(counts))
            offs = np.repeat(np.fromiter(self._values.keys(), dtype=np.int64, count=len(counts)), counts)
            order = np.argsort(vals, kind="stable")
            self._sorted = (vals[order], offs[order])
        return self._sorted

    def _range_offsets(self, gt: Any, gte: Any, lt: Any, lte: Any) -> I64:
        """Offsets with a value in the range, in value order (an offset may repeat)."""
        vals, offs = self.columns()
        lo, hi = 0, len(vals)
        if gte is not None:
            lo = max(lo, int(np.searchsorted(vals, gte, side="left")))
        if gt is not None:
            lo = max(lo, int(np.searchsorted(vals, gt, side="right")))
        if lte is not None:
            hi = min(hi, int(np.searchsorted(vals, lte, side="right")))
        if lt is not None:
            hi = min(hi, int(np.searchsorted(vals, lt, side="left")))
        return offs[lo:hi] if lo < hi else offs[:0]

    def _range_bounds(self, cond: Condition) -> list[tuple[Any, Any, Any, Any]] | None:
        """The ranges (gt, gte, lt, lte) whose union answers ``cond``, or None."""
        return None

    def mask(self, cond: Condition, n: int) -> Mask | None:
        bounds = self._range_bounds(cond)
        if bounds is None:
            return None
        out = empty_mask(n)
        for b in bounds:
            offs = self._range_offsets(*b)
            out[offs[offs < n]] = True
        return out

    def offsets(self, cond: Condition) -> I64 | None:
        bounds = self._range_bounds(cond)
        if bounds is None:
            return None
        return np.unique(np.concatenate([self._range_offsets(*b) for b in bounds] or [np.empty(0, np.int64)]))

    def facet_values(self, allowed: Mask) -> npt.NDArray[Any] | None:
        """The integer values of the allowed points, one per (point, distinct value); None
        for a field that is not integer (only integers are facet values)."""
        if self.spec.type is not PayloadType.INTEGER:
            return None
        vals, offs = self.columns()
        return vals[allowed[offs]]

    def facet(self, allowed: Mask) -> dict[Any, int] | None:
        keep = self.facet_values(allowed)
        if keep is None:
            return None
        uniq, counts = np.unique(keep, return_counts=True)
        return {int(v): int(c) for v, c in zip(uniq, counts)}


class IntegerIndex(NumericIndex):
    def extract(self, raw: Any) -> Any | None:
        return raw if isinstance(raw, int) and not isinstance(raw, bool) and -(2**63) <= raw < 2**63 else None

    def _range_bounds(self, cond: Condition) -> list[tuple[Any, Any, Any, Any]] | None:
        if isinstance(cond, FieldRange) and isinstance(cond.range, Range):
            r = cond.range
            return [(r.gt, r.gte, r.lt, r.lte)]
        if isinstance(cond, FieldMatch) and isinstance(cond.match, (MatchValue, MatchAny)):
            operands = (cond.match.value,) if isinstance(cond.match, MatchValue) else cond.match.values
            if not all(self.extract(v) is not None for v in operands):
                return None
            return [(None, v, None, v) for v in operands]
        return None


class FloatIndex(NumericIndex):
    def extract(self, raw: Any) -> Any | None:
        return float(raw) if isinstance(raw, (int, float)) and not isinstance(raw, bool) else None

    def _range_bounds(self, cond: Condition) -> list[tuple[Any, Any, Any, Any]] | None:
        if isinstance(cond, FieldRange) and isinstance(cond.range, Range):
            r = cond.range
            return [(r.gt, r.gte, r.lt, r.lte)]
        return None


class DatetimeIndex(NumericIndex):
    def extract(self, raw: Any) -> Any | None:
        return parse_micros(raw) if isinstance(raw, str) else None

    def _range_bounds(self, cond: Condition) -> list[tuple[Any, Any, Any, Any]] | None:
        if isinstance(cond, FieldRange) and isinstance(cond.range, DatetimeRange):
            return [micros_bounds(cond.range)]
        return None


class GeoIndex(FieldIndex):
    def __init__(self, key: str, spec: PayloadIndexSpec) -> None:
        super().__init__(key, spec)
        self._columns: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], I64] | None = None

    def extract(self, raw: Any) -> Any | None:
        return as_geo_point(raw)

    def _added(self, offset: int, values: tuple[Any, ...]) -> None:
        self._columns = None

    _removed = _added

    def mask(self, cond: Condition, n: int) -> Mask | None:
        if not isinstance(cond, FieldGeo):
            return None
        lat, lon, offs = self._coordinates()
        out = empty_mask(n)
        hits = offs[geo_mask(lat, lon, cond.geo)]
        out[hits[hits < n]] = True
        return out

    def _coordinates(self) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], I64]:
        if self._columns is None:
            pairs = [(lat, lon, off) for off, vs in self._values.items() for (lat, lon) in vs]
            arr = np.array(pairs, dtype=np.float64).reshape(-1, 3)
            self._columns = (arr[:, 0], arr[:, 1], arr[:, 2].astype(np.int64))
        return self._columns

    def _freeze(self) -> bool:
        self._coordinates()
        return True

    def _gather(self, parts: Sequence[tuple[FieldIndex, I64]]) -> I64:
        lats, lons, rows = [], [], []
        for index, new_of in parts:
            assert isinstance(index, GeoIndex)
            lat, lon, offs = index._coordinates()
            mapped = new_of[offs]
            keep = mapped >= 0
            lats.append(lat[keep])
            lons.append(lon[keep])
            rows.append(mapped[keep])
        f64, empty = np.float64, np.zeros(0, dtype=np.float64)
        offs = np.concatenate([*rows, np.zeros(0, dtype=np.int64)])
        self._columns = (np.concatenate([*lats, empty]).astype(f64), np.concatenate([*lons, empty]).astype(f64), offs)
        return offs

    def _dump(self) -> tuple[dict[str, Any], dict[str, npt.NDArray[Any]]]:
        lat, lon, offs = self._coordinates()
        return {}, {"lat": lat, "lon": lon, "offsets": offs}

    def _adopt(self, described: dict[str, Any], arrays: Mapping[str, npt.NDArray[Any]]) -> None:
        f64 = np.float64
        lat, lon = np.asarray(arrays["lat"], dtype=f64), np.asarray(arrays["lon"], dtype=f64)
        self._columns = (lat, lon, np.asarray(arrays["offsets"], dtype=np.int64))


_KINDS: dict[PayloadType, type[FieldIndex]] = {
    PayloadType.KEYWORD: KeywordIndex,
    PayloadType.INTEGER: IntegerIndex,
    PayloadType.FLOAT: FloatIndex,
    PayloadType.BOOL: BoolIndex,
    PayloadType.UUID: UuidIndex,
    PayloadType.DATETIME: DatetimeIndex,
    PayloadType.GEO: GeoIndex,
    PayloadType.TEXT: TextIndex,
}


def make_field_index(key: str, spec: PayloadIndexSpec) -> FieldIndex:
    return _KINDS[spec.type](key, spec)
