"""Applying one operation across segments: the last segment is appendable, the others sealed.

A point lives (is not deleted) in exactly one segment. Sealed segments only ever receive
tombstones: an upsert or delete of a point they hold tombstones it there (an upsert then
lands in the appendable segment); any other edit first moves the point — payload, vectors
and its version — into the appendable segment, as Qdrant's proxy segments do, and then
applies there. Per-point versions keep all of this idempotent under WAL replay.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from vecbase.core.ids import PointId
from vecbase.core.operations import DeletePoints, PointOperation, UpsertPoints, take
from vecbase.core.points import DenseColumn, ListColumn, PayloadDocs, VectorColumn
from vecbase.segment.segment import Segment
from vecbase.segment.vectors import DenseStore


def _copy_point(src: Segment, off: int) -> UpsertPoints:
    columns: dict[str, VectorColumn] = {}
    for name, store in src.vectors.items():
        value = store.get(off)
        if isinstance(store, DenseStore):
            if value is not None:
                columns[name] = DenseColumn(np.asarray(value, dtype=np.float32)[np.newaxis, :])
        elif value is not None:
            columns[name] = ListColumn((value,))
    return UpsertPoints((src.ids[off],), columns, PayloadDocs.join([src.payloads.doc(off)]))


def apply_across(segments: Sequence[Segment], op_num: int, op: PointOperation) -> None:
    appendable = segments[-1]
    sealed = segments[:-1]
    # where each of the operation's ids sits in each sealed segment (-1: absent), looked up
    # once per segment for the whole batch
    found = [seg.ids.offsets_of(op.ids) for seg in sealed]
    # a sealed segment that already saw this point at op_num or later makes the operation
    # stale for it (a WAL replay): applying it to the appendable segment would resurrect
    # or duplicate the point
    stale = np.zeros(len(op.ids), dtype=bool)
    for seg, offs in zip(sealed, found):
        there = offs >= 0
        stale[there] |= seg.versions[offs[there]] >= op_num
    if stale.any():
        keep = np.nonzero(~stale)[0].tolist()
        op = take(op, keep)
        found = [offs[keep] for offs in found]
    replaces = isinstance(op, (UpsertPoints, DeletePoints))
    for seg, offs in zip(sealed, found):
        rows = np.nonzero(offs >= 0)[0]
        if rows.size == 0:
            continue
        at = offs[rows]
        live = ~seg.deleted[at] & (seg.versions[at] < op_num)
        touched = [op.ids[i] for i in rows[live].tolist()]
        if not touched:
            continue
        if not replaces:
            for off in at[live].tolist():
                appendable.apply(int(seg.versions[off]), _copy_point(seg, off))
        seg.apply(op_num, DeletePoints(tuple(touched)))
    appendable.apply(op_num, op)


def dedupe(segments: Sequence[Segment]) -> int:
    """After a crash between segment saves a point may be live twice: keep the newest."""
    best: dict[PointId, tuple[int, Segment, int]] = {}
    dropped = 0
    for seg in segments:
        for off in np.nonzero(seg.live_mask())[0].tolist():
            pid = seg.ids[off]
            version = int(seg.versions[off])
            seen = best.get(pid)
            if seen is None:
                best[pid] = (version, seg, off)
                continue
            loser_seg, loser_off = (seg, off) if version < seen[0] else (seen[1], seen[2])
            if version >= seen[0]:
                best[pid] = (version, seg, off)
            loser_seg.drop(loser_off)
            dropped += 1
    return dropped
