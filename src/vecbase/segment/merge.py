"""Building one sealed segment from the live points of others (merge, vacuum of one, and the
index build of one sealed segment), in merged order or in an order its graphs chose.

The copy runs without the collection lock; it records each copied point's version so the
swap (under the lock) can drop points that were deleted, moved or rewritten meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from vecbase.core.config import CollectionConfig, PayloadIndexSpec
from vecbase.core.points import VectorValue
from vecbase.index.field import FieldIndex
from vecbase.index.payload import make_field_index
from vecbase.segment.id_tracker import FrozenIds, IdTracker
from vecbase.segment.payloads import PayloadStore
from vecbase.segment.segment import Segment
from vecbase.segment.vectors import DenseStore, ListStore, VectorStore

I64 = npt.NDArray[np.int64]


@dataclass
class Source:
    segment: Segment
    offsets: I64
    versions: I64
    # the payload indexes as of the snapshot (a segment thawed since has replaced them)
    indexes: dict[str, FieldIndex] = field(default_factory=dict)


def snapshot(sources: Sequence[Segment]) -> list[Source]:
    """Live offsets and their versions; take it under the collection lock."""
    out = []
    for seg in sources:
        offs = np.nonzero(seg.live_mask())[0].astype(np.int64)
        out.append(Source(seg, offs, seg.versions[offs].copy(), dict(seg.field_indexes)))
    return out


def dense_rows(sources: Sequence[Source], name: str) -> npt.NDArray[np.float32]:
    """The merged rows of dense vector ``name`` as float32 (what a graph is built on)."""
    parts = []
    for src in sources:
        store = src.segment.vectors[name]
        assert isinstance(store, DenseStore)
        parts.append(store.data[src.offsets].astype(np.float32, copy=False))
    if not parts:
        return np.zeros((0, 0), dtype=np.float32)
    return np.concatenate(parts)


def merged_segment(
    config: CollectionConfig,
    schema: Mapping[str, PayloadIndexSpec],
    sources: Sequence[Source],
    order: I64 | None = None,
) -> Segment:
    """A sealed segment of the sources' live rows: in merged order (source by source), or
    with new row i the merged row ``order[i]``."""
    ids = _merged_ids(sources, order)
    payloads = PayloadStore.gathered([(s.segment.payloads, s.offsets) for s in sources], order)
    n = len(ids)
    versions = np.concatenate([s.versions for s in sources]) if sources else np.zeros(0, np.int64)
    if order is not None:
        versions = versions[order]
    stores: dict[str, VectorStore] = {}
    for name, vc in config.vectors.items():
        if vc.multivector:
            stores[name] = _list_store(ListStore(vc), sources, name, order)
            continue
        store = DenseStore(vc, capacity=max(n, 1))
        parts = [s.segment.vectors[name] for s in sources]
        data = np.concatenate([p.data[s.offsets] for p, s in zip(parts, sources)])  # type: ignore[union-attr]
        present = np.concatenate([p.present[s.offsets] for p, s in zip(parts, sources)])  # type: ignore[union-attr]
        store.data, store.present = (data, present) if order is None else (data[order], present[order])
        stores[name] = store
    for name in config.sparse_vectors:
        stores[name] = _list_store(ListStore(None), sources, name, order)
    seg = Segment(config, schema)
    indexes = merged_indexes(schema, sources, _rows_of(sources, order), payloads, n)
    seg.restore(ids, versions.astype(np.int64), np.zeros(n, dtype=bool), payloads, stores, 0, indexes)
    seg.freeze()  # merged segments are sealed from the start
    return seg


def _rows_of(sources: Sequence[Source], order: I64 | None) -> list[I64]:
    """Each source's ``offsets`` as rows of the merged segment."""
    total = sum(s.offsets.shape[0] for s in sources)
    row_of = np.arange(total, dtype=np.int64)
    if order is not None:
        row_of[order] = np.arange(order.shape[0], dtype=np.int64)
    ends = np.cumsum([s.offsets.shape[0] for s in sources], dtype=np.int64)
    return np.split(row_of, ends[:-1]) if sources else []


def merged_indexes(
    schema: Mapping[str, PayloadIndexSpec],
    sources: Sequence[Source],
    rows: Sequence[I64],
    payloads: PayloadStore,
    n: int,
) -> dict[str, FieldIndex]:
    """The merged segment's payload indexes, gathered from the sources' frozen ones; rows of
    a source whose index is still mutable (a segment sealed but not frozen, which takes
    deletes meanwhile) are indexed from their copied payloads."""
    out: dict[str, FieldIndex] = {}
    for key, spec in schema.items():
        parts: list[tuple[FieldIndex, I64]] = []
        loose: list[I64] = []
        for src, src_rows in zip(sources, rows):
            index = src.indexes.get(key)
            if index is not None and index.frozen and index.spec == spec:
                new_of = np.full(src.segment.n, -1, dtype=np.int64)
                new_of[src.offsets] = src_rows
                parts.append((index, new_of))
            else:
                loose.append(src_rows)
        if loose:
            built = make_field_index(key, spec)
            loose_rows = np.sort(np.concatenate(loose)).tolist()
            for lo in range(0, len(loose_rows), 1024):
                chunk = loose_rows[lo : lo + 1024]
                for row, payload in zip(chunk, payloads.copies_of(chunk)):
                    built.set(row, payload)
            built.freeze(n)
            parts.append((built, np.arange(n, dtype=np.int64)))
        out[key] = merged = make_field_index(key, spec)
        merged.gather(parts, n)
    return out


def _merged_ids(sources: Sequence[Source], order: I64 | None) -> IdTracker:
    """The merged rows' ids as frozen columns, gathered with numpy (no Python int per id)."""
    columns = [s.segment.ids.columns() for s in sources]
    parts = [
        np.concatenate([c[k][s.offsets] for c, s in zip(columns, sources)]) if sources else np.zeros(0, dtype)
        for k, dtype in enumerate((np.bool_, np.uint64, np.uint64))
    ]
    if order is not None:
        parts = [p[order] for p in parts]
    return IdTracker.of_frozen(FrozenIds.of_columns(parts[0], parts[1], parts[2]))


def _list_store(store: ListStore, sources: Sequence[Source], name: str, order: I64 | None) -> ListStore:
    items: list[VectorValue | None] = []
    for src in sources:
        old = src.segment.vectors[name]
        assert isinstance(old, ListStore)
        items.extend(old.items[o] if o < len(old.items) else None for o in src.offsets.tolist())
    store.items = items if order is None else [items[i] for i in order.tolist()]
    return store


def stale_positions(sources: Sequence[Source], order: I64 | None = None) -> I64:
    """Positions (in merged order, or in the segment's rows laid out in ``order``) whose
    source point changed since the snapshot."""
    out = []
    base = 0
    for src in sources:
        seg = src.segment
        changed = seg.deleted[src.offsets] | (seg.versions[src.offsets] != src.versions)
        out.append(np.nonzero(changed)[0] + base)
        base += src.offsets.shape[0]
    stale = np.concatenate(out).astype(np.int64) if out else np.zeros(0, np.int64)
    if order is None or not stale.size:
        return stale
    row_of = np.empty(order.shape[0], dtype=np.int64)
    row_of[order] = np.arange(order.shape[0], dtype=np.int64)
    return np.sort(row_of[stale])
