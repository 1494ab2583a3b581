"""Reads that are not similarity search: retrieve, scroll, count, facet."""

from __future__ import annotations

import random
import uuid
from collections import Counter
from datetime import date, datetime
from typing import Any, Iterable, Sequence

import numpy as np
import numpy.typing as npt

from vecbase.core.config import PayloadType
from vecbase.core.datetimes import parse_micros, to_micros
from vecbase.core.errors import BadRequestError
from vecbase.core.filter import Filter
from vecbase.core.ids import PointId, id_sort_key, try_normalize_id
from vecbase.core.paths import values_at
from vecbase.core.points import Record
from vecbase.index.payload import NumericIndex, PostingIndex
from vecbase.query.model import Direction, FacetHit, OrderBy, ScrollRequest, WithPayload, WithVectors
from vecbase.query.records import record
from vecbase.segment.filtering import filter_mask, filter_plan
from vecbase.segment.segment import Segment


def locate(segments: Sequence[Segment], point_id: PointId) -> tuple[Segment, int] | None:
    for seg in segments:
        off = seg.live_offset(point_id)
        if off is not None:
            return seg, off
    return None


def retrieve(segments: Sequence[Segment], ids: Iterable[object], wp: WithPayload, wv: WithVectors) -> list[Record]:
    out: list[Record] = []
    seen: set[PointId] = set()
    for raw in ids:
        pid = try_normalize_id(raw)
        if pid is None or pid in seen:
            continue
        seen.add(pid)
        found = locate(segments, pid)
        if found is not None:
            out.append(record(found[0], found[1], wp, wv))
    return out


def sample_points(
    segments: Sequence[Segment], masks: Sequence[npt.NDArray[np.bool_]], n: int
) -> list[tuple[Segment, int]]:
    """``n`` (segment, offset) pairs drawn without replacement among the offsets where each
    segment's mask holds: positions drawn in their concatenation, no point listed."""
    passing = [np.flatnonzero(m) for m in masks]
    ends = np.cumsum([len(p) for p in passing])
    total = int(ends[-1]) if len(ends) else 0
    out = []
    for pos in random.sample(range(total), min(n, total)):
        i = int(np.searchsorted(ends, pos, side="right"))
        start = int(ends[i - 1]) if i else 0
        out.append((segments[i], int(passing[i][pos - start])))
    return out


def count(segments: Sequence[Segment], flt: Filter | None) -> int:
    return sum(int(filter_mask(seg, flt).sum()) for seg in segments)


def first_by_id(
    segments: Sequence[Segment], flt: Filter | None, start: tuple[int, int] | None, n: int
) -> list[tuple[tuple[int, int], Segment, int]]:
    """(``id_sort_key``, segment, offset) of the first ``n`` points passing ``flt`` in id
    order from the key ``start`` on: each segment's first ``n`` (an ordered walk of its
    ids), then the first ``n`` of those."""
    rows: list[tuple[tuple[int, int], Segment, int]] = []
    for seg in segments:
        cheap, check = filter_plan(seg, flt)
        rows.extend((key, seg, o) for key, o in seg.ids.first_in_order(cheap, start, n, check))
    rows.sort(key=lambda r: r[0])
    return rows[:n]


def scroll(segments: Sequence[Segment], req: ScrollRequest) -> tuple[list[Record], PointId | None]:
    if req.order_by is not None:
        return _scroll_by_value(segments, req, req.order_by), None
    start = id_sort_key(req.offset) if req.offset is not None else None
    # the page and the next page's offset
    candidates = first_by_id(segments, req.filter, start, req.limit + 1)
    page = candidates[: req.limit]
    next_id = candidates[req.limit][1].ids[candidates[req.limit][2]] if len(candidates) > req.limit else None
    return [record(seg, off, req.with_payload, req.with_vectors) for _, seg, off in page], next_id


def _order_start(value: Any, kind: PayloadType) -> float | int | None:
    if value is None:
        return None
    if isinstance(value, (datetime, date)):
        return to_micros(value)
    if isinstance(value, str):
        micros = parse_micros(value)
        if micros is None:
            raise BadRequestError(f"Invalid start_from value for order_by: {value!r}")
        return micros
    return value  # type: ignore[no-any-return]


def order_rows(
    segments: Sequence[Segment], flt: Filter | None, order: OrderBy, need: int | None = None
) -> list[tuple[Any, Segment, int]]:
    """(value, segment, offset) of the points passing ``flt``, in ``order``, one row per
    value; the first ``need`` rows (all when None). Ties keep segment order, then the
    index's: each segment hands over only the rows that can be among the first ``need``
    (its sorted value column sliced in numpy), and those are sorted."""
    rows: list[tuple[Any, Segment, int]] = []
    desc = order.direction is Direction.DESC
    for seg in segments:
        index = seg.field_indexes.get(order.key)
        if not isinstance(index, NumericIndex):
            raise BadRequestError(
                f"Bad request: No range index for `order_by` key: `{order.key}`. Please create one to use"
                " `order_by`. Check https://qdrant.tech/documentation/concepts/indexing/#payload-index to see"
                " which payload schemas support Range conditions"
            )
        vals, offs = index.columns()  # ascending by value
        start = _order_start(order.start_from, index.spec.type)
        if start is not None:
            cut = int(np.searchsorted(vals, start, side="right" if desc else "left"))
            vals, offs = (vals[:cut], offs[:cut]) if desc else (vals[cut:], offs[cut:])
        keep = np.flatnonzero(filter_mask(seg, flt)[offs])
        if need is not None and len(keep) > need:
            if desc:  # the highest ``need``, and every tie of the lowest of them (ties stay in index order)
                keep = keep[vals[keep] >= vals[keep[-need]]] if need > 0 else keep[:0]
            else:
                keep = keep[:need]
        rows.extend((v, seg, o) for v, o in zip(vals[keep].tolist(), offs[keep].tolist()))
    rows.sort(key=lambda r: r[0], reverse=desc)
    return rows if need is None else rows[:need]


def _scroll_by_value(segments: Sequence[Segment], req: ScrollRequest, order: OrderBy) -> list[Record]:
    rows = order_rows(segments, req.filter, order, req.limit)
    return [record(seg, off, req.with_payload, req.with_vectors, order_value=v) for v, seg, off in rows]


_TYPE_RANK = {bool: 0, int: 1, str: 2}


def _facet_value(v: Any) -> Any | None:
    if type(v) not in _TYPE_RANK:
        return None
    if isinstance(v, str):
        try:
            return str(uuid.UUID(v))
        except ValueError:
            return v
    return v


def facet(segments: Sequence[Segment], key: str, flt: Filter | None, limit: int) -> list[FacetHit]:
    integers = _integer_facet(segments, key, flt, limit)
    if integers is not None:
        return integers
    counts: Counter[tuple[int, Any]] = Counter()
    posted: list[tuple[list[Any], npt.NDArray[np.int64]]] = []
    for seg in segments:
        mask = filter_mask(seg, flt)
        index = seg.field_indexes.get(key)
        if isinstance(index, PostingIndex):
            posted.append(index.facet_counts(mask))
            continue
        indexed = index.facet(mask) if index is not None else None
        if indexed is not None:
            for v, c in indexed.items():
                counts[(_TYPE_RANK[type(v)], v)] += c
            continue
        for off in np.nonzero(mask)[0].tolist():
            distinct = {
                (_TYPE_RANK[type(fv)], fv)
                for v in values_at(seg.payloads[off], key)
                if (fv := _facet_value(v)) is not None
            }
            counts.update(distinct)
    if len(posted) == 1 and not counts:
        values, found = _leaders(*posted[0], limit)
    elif posted and not counts and _sortable_in_numpy(every := [v for vs, _ in posted for v in vs]):
        # one type in every segment: summed by value in numpy, ties already in value order
        unique, where = np.unique(np.array(every), return_inverse=True)
        totals = np.bincount(where, weights=np.concatenate([c for _, c in posted]), minlength=len(unique))
        best = np.argsort(-totals, kind="stable")[: max(limit, 0)]
        values, found = unique[best].tolist(), totals[best].astype(np.int64)
    else:
        for values, found in posted:
            for v, c in zip(values, found.tolist()):
                counts[(_TYPE_RANK[type(v)], v)] += c
        values, found = [v for _, v in counts], np.fromiter(counts.values(), dtype=np.int64, count=len(counts))
        values, found = _leaders(values, found, limit)
    return [FacetHit(value=v, count=c) for v, c in zip(values, found.tolist())]


def _sortable_in_numpy(values: list[Any]) -> bool:
    """Whether numpy sorts ``values`` as Python does: all str (none holding a NUL, which
    numpy strips from the end of a string) or all bool."""
    kind = type(values[0]) if values else None
    if kind is str:
        return all(type(v) is str and "\0" not in v for v in values)
    return kind is bool and all(type(v) is bool for v in values)


def _leaders(values: list[Any], counts: npt.NDArray[np.int64], limit: int) -> tuple[list[Any], npt.NDArray[np.int64]]:
    """The ``limit`` most frequent values, ties by value (types in ``_TYPE_RANK`` order): only
    the values that reach the ``limit``-th count are sorted."""
    if limit <= 0 or not values:
        return [], counts[:0]
    keep = np.arange(len(values))
    if len(values) > limit:
        floor = np.partition(counts, len(values) - limit)[len(values) - limit]
        keep = np.flatnonzero(counts >= floor)
    if len(keep) > 4 * limit and _sortable_in_numpy([values[i] for i in keep.tolist()]):
        # one type (a keyword field): ties ordered by numpy's sort of the values themselves
        by_value = keep[np.argsort(np.array([values[i] for i in keep.tolist()]), kind="stable")]
        ranked = by_value[np.argsort(-counts[by_value], kind="stable")][:limit].tolist()
    else:
        ranked = sorted(keep.tolist(), key=lambda i: (-int(counts[i]), _TYPE_RANK[type(values[i])], values[i]))[:limit]
    return [values[i] for i in ranked], counts[ranked]


def _integer_facet(segments: Sequence[Segment], key: str, flt: Filter | None, limit: int) -> list[FacetHit] | None:
    """A facet of a field with an integer index in every segment, counted and ranked in
    numpy (a field of many distinct values, such as a user id, would otherwise make a dict
    entry and a sort key per value); None when some segment has no such index."""
    parts = []
    for seg in segments:
        index = seg.field_indexes.get(key)
        values = index.facet_values(filter_mask(seg, flt)) if isinstance(index, NumericIndex) else None
        if values is None:
            return None
        parts.append(values)
    if not parts:
        return None
    values, counts = np.unique(np.concatenate(parts), return_counts=True)
    best = np.lexsort((values, -counts))[:limit]  # most frequent first, then the smaller value
    return [FacetHit(value=int(v), count=int(c)) for v, c in zip(values[best].tolist(), counts[best].tolist())]
