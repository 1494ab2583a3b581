"""Building one sealed segment from the live points of others (merge, and vacuum of one).

The copy runs without the collection lock; it records each copied point's version so the
swap (under the lock) can drop points that were deleted, moved or rewritten meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from vecbase.core.config import CollectionConfig, PayloadIndexSpec
from vecbase.core.ids import PointId
from vecbase.core.points import VectorValue
from vecbase.segment.payloads import PayloadStore
from vecbase.segment.segment import Segment
from vecbase.segment.vectors import DenseStore, ListStore, VectorStore

I64 = npt.NDArray[np.int64]


@dataclass
class Source:
    segment: Segment
    offsets: I64
    versions: I64


def snapshot(sources: Sequence[Segment]) -> list[Source]:
    """Live offsets and their versions; take it under the collection lock."""
    out = []
    for seg in sources:
        offs = np.nonzero(seg.live_mask())[0].astype(np.int64)
        out.append(Source(seg, offs, seg.versions[offs].copy()))
    return out


def merged_segment(
    config: CollectionConfig, schema: Mapping[str, PayloadIndexSpec], sources: Sequence[Source]
) -> Segment:
    ids: list[PointId] = []
    for src in sources:
        ids.extend(src.segment.ids[o] for o in src.offsets.tolist())
    docs = (doc for src in sources for doc in src.segment.payloads.docs(src.offsets.tolist()))
    n = len(ids)
    versions = np.concatenate([s.versions for s in sources]) if sources else np.zeros(0, np.int64)
    stores: dict[str, VectorStore] = {}
    for name, vc in config.vectors.items():
        if vc.multivector:
            stores[name] = _list_store(ListStore(vc), sources, name)
            continue
        store = DenseStore(vc, capacity=max(n, 1))
        parts = [s.segment.vectors[name] for s in sources]
        store.data = np.concatenate([p.data[s.offsets] for p, s in zip(parts, sources)])  # type: ignore[union-attr]
        store.present = np.concatenate([p.present[s.offsets] for p, s in zip(parts, sources)])  # type: ignore[union-attr]
        stores[name] = store
    for name in config.sparse_vectors:
        stores[name] = _list_store(ListStore(None), sources, name)
    seg = Segment(config, schema)
    seg.restore(ids, versions.astype(np.int64), np.zeros(n, dtype=bool), PayloadStore.from_docs(docs), stores, 0)
    seg.freeze()  # merged segments are sealed from the start
    return seg


def _list_store(store: ListStore, sources: Sequence[Source], name: str) -> ListStore:
    items: list[VectorValue | None] = []
    for src in sources:
        old = src.segment.vectors[name]
        assert isinstance(old, ListStore)
        items.extend(old.items[o] if o < len(old.items) else None for o in src.offsets.tolist())
    store.items = items
    return store


def stale_positions(sources: Sequence[Source]) -> I64:
    """Positions (in merged order) whose source point changed since the snapshot."""
    out = []
    base = 0
    for src in sources:
        seg = src.segment
        changed = seg.deleted[src.offsets] | (seg.versions[src.offsets] != src.versions)
        out.append(np.nonzero(changed)[0] + base)
        base += src.offsets.shape[0]
    return np.concatenate(out).astype(np.int64) if out else np.zeros(0, np.int64)
