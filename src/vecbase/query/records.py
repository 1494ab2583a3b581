"""Building result records from segment offsets, honouring payload and vector selectors.

Payloads in records are fresh objects, never the stored ones: whoever receives a result may
keep or modify it (the wire layers rely on this and do not copy again)."""

from __future__ import annotations

from typing import Mapping

from vecbase.core.paths import select_payload
from vecbase.core.points import Payload, Record, ScoredPoint, VectorValue
from vecbase.query.model import WithPayload, WithVectors
from vecbase.segment.segment import Segment


def payload_of(seg: Segment, off: int, sel: WithPayload) -> Payload | None:
    """The payload for a result: always a fresh object, so callers may keep or change it."""
    if not sel.enabled:
        return None
    payload = seg.payloads.copy_of(off)
    if sel.include is None and sel.exclude is None:
        return payload
    return select_payload(
        payload,
        list(sel.include) if sel.include is not None else None,
        list(sel.exclude) if sel.exclude is not None else None,
    )


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
