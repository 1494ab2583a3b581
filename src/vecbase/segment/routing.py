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
    """After a crash between segment saves a point may be live twice: keep the newest (on a
    tie, the one in the later segment). Runs at every open, so the common case, no point
    live twice, is found with one sort of the id columns; only repeated ids are walked."""
    live = [np.flatnonzero(seg.live_mask()) for seg in segments]
    if sum(1 for offs in live if len(offs)) < 2:
        return 0  # a segment holds each id at one offset: repeats span segments
    columns = [seg.ids.columns() for seg in segments]
    kind, hi, lo = (np.concatenate([c[k][offs] for c, offs in zip(columns, live)]) for k in range(3))
    seg_of = np.concatenate([np.full(len(offs), i, dtype=np.int64) for i, offs in enumerate(live)])
    off_of = np.concatenate(live)
    order = np.lexsort((lo, hi, kind))  # stable: a repeated id's rows stay in segment order
    kind, hi, lo = kind[order], hi[order], lo[order]
    same = (kind[1:] == kind[:-1]) & (hi[1:] == hi[:-1]) & (lo[1:] == lo[:-1])
    if not same.any():
        return 0
    dropped = 0
    starts = np.flatnonzero(np.concatenate([[True], ~same]))
    ends = np.append(starts[1:], len(order))
    for a, b in zip(starts.tolist(), ends.tolist()):
        if b - a < 2:
            continue
        rows = [(segments[int(seg_of[r])], int(off_of[r])) for r in order[a:b].tolist()]
        keep_seg, keep_off = rows[0]
        for seg, off in rows[1:]:
            if int(seg.versions[off]) >= int(keep_seg.versions[keep_off]):
                keep_seg.drop(keep_off)
                keep_seg, keep_off = seg, off
            else:
                seg.drop(off)
            dropped += 1
    return dropped
