"""A merge copies ids and payload documents as columns: the merged segment's ids, lookups and
payloads are those of the source rows, in merged order or in a given order, whatever the mix
of integer and UUID ids and of frozen and appendable sources."""

from __future__ import annotations

import uuid

import numpy as np
import orjson
import pytest

from vecbase.core.ids import PointId
from vecbase.core.points import PayloadDocs
from vecbase.segment.id_tracker import FrozenIds, IdTracker
from vecbase.segment.payloads import PayloadStore


def tracker(ids: list[PointId], frozen: bool) -> IdTracker:
    t = IdTracker(ids)
    if frozen:
        t.freeze()
    return t


@pytest.mark.parametrize("frozen", [True, False])
def test_id_columns_gathered_in_any_order(frozen: bool) -> None:
    a: list[PointId] = [5, str(uuid.UUID(int=7)), 3, 2**63 + 1]
    b: list[PointId] = [str(uuid.UUID(int=2**100 + 9)), 11, 4]
    sources = [(tracker(a, frozen), np.array([0, 1, 3])), (tracker(b, True), np.array([2, 0]))]
    merged = [a[0], a[1], a[3], b[2], b[0]]
    for order in (None, np.array([4, 2, 0, 3, 1])):
        cols = [t.columns() for t, _ in sources]
        parts = [np.concatenate([c[k][offs] for c, (_, offs) in zip(cols, sources)]) for k in range(3)]
        if order is not None:
            parts = [p[order] for p in parts]
        got = IdTracker.of_frozen(FrozenIds.of_columns(*parts))
        want = merged if order is None else [merged[i] for i in order.tolist()]
        assert [got[o] for o in range(len(want))] == want
        assert got.ids_at(list(range(len(want)))) == want
        for off, pid in enumerate(want):
            assert got.offset(pid) == off
        assert got.offset(6) is None and got.offset(str(uuid.UUID(int=8))) is None


def test_payload_documents_gathered_from_frozen_and_appendable_stores() -> None:
    frozen = PayloadStore.from_docs(orjson.dumps({"f": i}) for i in range(5))
    live = PayloadStore()
    live.extend(PayloadDocs.of({"a": i, "text": "x" * i} for i in range(4)))
    live[1] = {"rewritten": True}  # leaves garbage in the appendable buffer
    live[2] = {}
    parts = [(frozen, np.array([4, 0, 2])), (live, np.array([1, 3, 2]))]
    merged = [{"f": 4}, {"f": 0}, {"f": 2}, {"rewritten": True}, {"a": 3, "text": "xxx"}, {}]
    store = PayloadStore.gathered(parts)
    assert not live.frozen
    assert store.frozen and [store[i] for i in range(6)] == merged
    order = np.array([5, 3, 0, 4, 1, 2])
    store = PayloadStore.gathered(parts, order)
    assert [store[i] for i in range(6)] == [merged[i] for i in order.tolist()]
    assert store.copies_of([0, 1, 2]) == [merged[5], merged[3], merged[0]]
    assert len(PayloadStore.gathered([])) == 0
