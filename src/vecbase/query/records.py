"""Building result records from segment offsets, honouring payload and vector selectors.

Payloads in records are fresh objects, never the stored ones: whoever receives a result may
keep or modify it (the wire layers rely on this and do not copy again)."""

from __future__ import annotations

from typing import Mapping

from vecbase.core.ids import PointId
from vecbase.core.paths import select_payload
from vecbase.core.points import Payload, Record, ScoredColumns, ScoredPoint, VectorValue
from vecbase.query.model import WithPayload, WithVectors
from vecbase.query.search import Hits
from vecbase.segment.segment import Segment


def payload_of(seg: Segment, off: int, sel: WithPayload) -> Payload | None:
    """The payload for a result: always a fresh object, so callers may keep or change it."""
    if not sel.enabled:
        return None
    return _selected([seg.payloads[off]], sel)[0]


def vectors_of(seg: Segment, off: int, sel: WithVectors) -> Mapping[str, VectorValue] | None:
    if not sel.enabled:
        return None
    out: dict[str, VectorValue] = {}
    for name in seg.vectors:
        if sel.wants(name):
            value = seg.vector(off, name)
            if value is not None:
                out[name] = value
    return out


def record(seg: Segment, off: int, wp: WithPayload, wv: WithVectors, order_value: float | None = None) -> Record:
    return Record(
        id=seg.ids[off],
        payload=payload_of(seg, off, wp),
        vectors=vectors_of(seg, off, wv),
        order_value=order_value,
    )


def scored(
    seg: Segment, off: int, score: float, wp: WithPayload, wv: WithVectors, order_value: float | None = None
) -> ScoredPoint:
    return ScoredPoint(
        seg.ids[off],
        score,
        int(seg.versions[off]),
        payload_of(seg, off, wp),
        vectors_of(seg, off, wv) if wv.enabled else None,
        order_value,
    )


def scored_columns(
    hits: Hits, wp: WithPayload, wv: WithVectors, order_values: list[int | float | None] | None = None
) -> ScoredColumns:
    """``scored`` for many hits, as columns: ids, versions and payloads are read per segment
    in one call each (the search result path), then put back in the hits' order."""
    segs, offs, n = hits.segments, hits.offsets, len(hits.offsets)
    ids: list[PointId]
    versions: list[int]
    payloads: list[Payload] | None
    if n == 0:
        ids, versions, payloads = [], [], [] if wp.enabled else None
    elif segs.count(segs[0]) == n:  # the common case: one segment, no reordering
        ids, versions, payloads = _read(segs[0], offs, wp)
    else:
        ids, versions = [0] * n, [0] * n
        payloads = [{}] * n if wp.enabled else None
        rows_of: dict[int, list[int]] = {}
        for i, seg in enumerate(segs):
            rows_of.setdefault(id(seg), []).append(i)
        for rows in rows_of.values():
            part_ids, part_versions, part_payloads = _read(segs[rows[0]], [offs[i] for i in rows], wp)
            for j, i in enumerate(rows):
                ids[i], versions[i] = part_ids[j], part_versions[j]
                if payloads is not None and part_payloads is not None:
                    payloads[i] = part_payloads[j]
    vectors = [vectors_of(s, o, wv) or {} for s, o in zip(segs, offs)] if wv.enabled else None
    return ScoredColumns(ids, hits.scores, versions, payloads, vectors, order_values)


def _selected(payloads: list[Payload], sel: WithPayload) -> list[Payload]:
    """``payloads`` (fresh ones) narrowed by the selector's include / exclude paths."""
    if sel.include is None and sel.exclude is None:
        return payloads
    inc = list(sel.include) if sel.include is not None else None
    exc = list(sel.exclude) if sel.exclude is not None else None
    return [select_payload(p, inc, exc) for p in payloads]


def _read(seg: Segment, offs: list[int], wp: WithPayload) -> tuple[list[PointId], list[int], list[Payload] | None]:
    ids = seg.ids.ids_at(offs)
    view = seg.versions.data  # Python ints by index, cheaper than a gather for a few rows
    versions: list[int] = [view[o] for o in offs]
    return ids, versions, _selected(seg.payloads.copies_of(offs), wp) if wp.enabled else None
