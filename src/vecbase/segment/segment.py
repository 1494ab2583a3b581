"""The appendable segment: points addressed by offset, versioned per point."""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Hashable, Iterable, Mapping, TypeVar

import numpy as np
import numpy.typing as npt

from vecbase.core.config import CollectionConfig, PayloadIndexSpec
from vecbase.core.ids import PointId
from vecbase.core.operations import (
    ClearPayload,
    DeletePayload,
    DeletePoints,
    DeleteVectors,
    OverwritePayload,
    PointOperation,
    SetPayload,
    UpdateVectors,
    UpsertPoints,
)
from vecbase.core.paths import delete_at, set_at
from vecbase.core.points import DenseColumn, Payload, VectorColumn, VectorValue
from vecbase.index.field import FieldIndex
from vecbase.index.hnsw import HnswIndex
from vecbase.index.payload import make_field_index
from vecbase.index.sparse import SparseInvertedIndex
from vecbase.segment.growing import GrowingGraph
from vecbase.segment.id_tracker import FrozenIds, IdTracker
from vecbase.segment.payloads import PayloadStore
from vecbase.segment.vectors import DenseStore, ListStore, VectorStore

I64 = npt.NDArray[np.int64]
T = TypeVar("T")
MEMO_SIZE = 16


@dataclass(frozen=True)
class FreezeParts:
    edits: int
    payloads: tuple[bytes, I64]
    ids: FrozenIds | None


class Segment:
    def __init__(self, config: CollectionConfig, index_specs: Mapping[str, PayloadIndexSpec] | None = None) -> None:
        self.config = config
        # sealed segments are frozen: compact payloads and indexes, deletes only (see freeze)
        self.frozen = False
        self.ids = IdTracker()
        self.payloads = PayloadStore()
        self.versions = np.zeros(64, dtype=np.int64)
        self.deleted = np.zeros(64, dtype=bool)
        self.vectors: dict[str, VectorStore] = {}
        for name, vc in config.vectors.items():
            self.vectors[name] = ListStore(vc) if vc.multivector else DenseStore(vc)
        for name in config.sparse_vectors:
            self.vectors[name] = ListStore(None)
        self.field_indexes: dict[str, FieldIndex] = {}
        # HNSW graphs over rows 0..n-1 of a dense vector; only sealed segments get them
        self.dense_indexes: dict[str, HnswIndex] = {}
        # graphs that follow an appendable segment's rows (see segment.growing)
        self.growing: dict[str, GrowingGraph] = {}
        # searches by (vector, path): which plan served them, for telemetry
        self.searches: dict[tuple[str, str], int] = {}
        for key, spec in (index_specs or {}).items():
            self.create_field_index(key, spec)
        self.version = 0
        # the segment's directory name on disk; stable across merges of other segments
        self.uid = uuid.uuid4().hex
        # set by every change, cleared when saved: flush rewrites only changed segments
        self.changed = True
        # bumped by every change: keys the searchable-rows cache below
        self.mutations = 0
        self._memo: dict[Hashable, tuple[int, Any]] = {}
        self._edits = 0  # non-delete writes and restores: a prepared freeze must not miss one
        self._sparse: dict[str, tuple[int, SparseInvertedIndex]] = {}

    # -- sizes and lookups ------------------------------------------------------------
    @property
    def n(self) -> int:
        return len(self.ids)

    def live_mask(self) -> npt.NDArray[np.bool_]:
        return ~self.deleted[: self.n]

    def live_count(self) -> int:
        return int(self.n - self.deleted[: self.n].sum())

    def live_offset(self, point_id: PointId) -> int | None:
        off = self.ids.offset(point_id)
        if off is None or self.deleted[off]:
            return None
        return off

    def _offset(self, pid: PointId) -> int:
        off = self.ids.offset(pid)
        assert off is not None, pid
        return off

    def drop(self, off: int) -> None:
        """Tombstone one offset without an operation (deduplication at load)."""
        self._unindex(off)
        self.deleted[off] = True
        self.changed = True
        self.mutations += 1

    def has_point(self, point_id: PointId) -> bool:
        return self.live_offset(point_id) is not None

    def vector(self, offset: int, name: str) -> VectorValue | None:
        return self.vectors[name].get(offset)

    def attach_index(self, name: str, index: HnswIndex) -> None:
        """Adopt an HNSW graph over all rows of dense vector ``name``; float32 rows are then
        served from the graph's storage, so the segment holds one copy of its vectors."""
        self.dense_indexes[name] = index
        self.growing.pop(name, None)
        store = self.vectors[name]
        if isinstance(store, DenseStore) and store.data.dtype == np.float32 and index.size == self.n:
            shared = index.stored_vectors()
            if shared is not None and shared.shape == (self.n, store.data.shape[1]):
                store.data = shared
                store.present = store.present[: self.n].copy()

    def count_search(self, name: str, path: str, n: int = 1) -> None:
        key = (name, path)
        self.searches[key] = self.searches.get(key, 0) + n

    def set_growing(self, name: str, graph: GrowingGraph) -> None:
        self.growing[name] = graph
        self.mutations += 1  # plans memoised for the old graph are stale

    def drop_index(self, name: str) -> None:
        """Forget the graph of ``name``; rows it served are copied back into the store first."""
        store = self.vectors.get(name)
        if isinstance(store, DenseStore) and not store.data.flags.owndata:
            store.data = np.array(store.data)
        self.dense_indexes.pop(name, None)
        self.changed = True
        self.mutations += 1

    def searchable(self, name: str) -> tuple[npt.NDArray[np.bool_], int]:
        """Live rows that have vector ``name``, and their count; cached until the next change.
        The mask is shared: callers must not modify it."""

        def compute() -> tuple[npt.NDArray[np.bool_], int]:
            mask = self.live_mask() & self.has_vector_mask(name)
            return mask, int(np.count_nonzero(mask))

        return self.memo(("searchable", name), compute)

    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()``, cached under ``key`` until this segment next changes. Recent keys only
        (queries repeat their filters: a tenant, a category), so the memory stays bounded."""
        hit = self._memo.get(key)
        if hit is not None and hit[0] == self.mutations:
            value: T = hit[1]
            return value
        value = compute()
        if len(self._memo) >= MEMO_SIZE:
            self._memo.clear()
        self._memo[key] = (self.mutations, value)
        return value

    def sparse_index(self, name: str) -> SparseInvertedIndex:
        """The inverted index of sparse vector ``name``; rebuilt after the segment changes."""
        hit = self._sparse.get(name)
        if hit is not None and hit[0] == self.mutations:
            return hit[1]
        store = self.vectors[name]
        assert isinstance(store, ListStore)
        index = SparseInvertedIndex(store.items, self.n)  # type: ignore[arg-type]
        self._sparse[name] = (self.mutations, index)
        return index

    def has_vector_mask(self, name: str) -> npt.NDArray[np.bool_]:
        store = self.vectors.get(name)
        if store is None:
            return np.zeros(self.n, dtype=bool)
        if isinstance(store, DenseStore):
            return store.present[: self.n].copy()
        return store.present_mask(self.n)

    # -- writes ---------------------------------------------------------------------
    def sync_vector_stores(self, config: CollectionConfig) -> None:
        """Adopt ``config``'s vector names: empty stores for new names, drop removed ones."""
        self.config = config
        wanted: dict[str, VectorStore] = {}
        for name, vc in config.vectors.items():
            wanted[name] = self.vectors.get(name) or (ListStore(vc) if vc.multivector else DenseStore(vc))
        for name in config.sparse_vectors:
            wanted[name] = self.vectors.get(name) or ListStore(None)
        self.vectors = wanted
        self.dense_indexes = {k: v for k, v in self.dense_indexes.items() if k in config.vectors}
        self.growing = {k: v for k, v in self.growing.items() if k in config.vectors}
        self._reserve(max(self.n, 1))
        self.mutations += 1

    def _reserve(self, n: int) -> None:
        if n > self.versions.shape[0]:
            cap = max(n, self.versions.shape[0] * 2)
            self.versions = np.concatenate([self.versions, np.zeros(cap - self.versions.shape[0], np.int64)])
            self.deleted = np.concatenate([self.deleted, np.zeros(cap - self.deleted.shape[0], bool)])
        for store in self.vectors.values():
            store.reserve(n)

    def _fresh(self, op_num: int, ids: Iterable[PointId]) -> list[tuple[int, PointId]]:
        """(position, id) of the ids this operation may change: alive, and not newer here."""
        out = []
        for i, pid in enumerate(ids):
            off = self.ids.offset(pid)
            if off is not None and not self.deleted[off] and self.versions[off] < op_num:
                out.append((i, pid))
        return out

    def apply(self, op_num: int, op: PointOperation) -> None:
        """Apply a resolved operation; points already at ``op_num`` or newer are left alone."""
        if not isinstance(op, DeletePoints):
            self._edits += 1
            if self.frozen:
                self.thaw()  # routing sends sealed segments deletes only; this keeps any other write correct
        if isinstance(op, UpsertPoints):
            self._upsert(op_num, op)
        elif isinstance(op, DeletePoints):
            offs = self.ids.offsets_of(op.ids)
            at = offs[offs >= 0]
            at = np.unique(at[self.versions[at] < op_num])
            for off in at.tolist():
                self._unindex(off)
            self.deleted[at] = True
            self.versions[at] = op_num
        elif isinstance(op, SetPayload):
            self._edit_payloads(op_num, op.ids, lambda p: set_at(p, op.key, op.payload))
        elif isinstance(op, OverwritePayload):
            self._edit_payloads(op_num, op.ids, lambda p: copy.deepcopy(op.payload))
        elif isinstance(op, DeletePayload):
            self._edit_payloads(op_num, op.ids, lambda p: delete_at(p, list(op.keys)))
        elif isinstance(op, ClearPayload):
            self._edit_payloads(op_num, op.ids, lambda p: {})
        elif isinstance(op, UpdateVectors):
            fresh = self._fresh(op_num, op.ids)
            for i, pid in fresh:
                off = self._offset(pid)
                self._put_vectors(off, i, op.vectors)
                self.versions[off] = op_num
        elif isinstance(op, DeleteVectors):
            for _, pid in self._fresh(op_num, op.ids):
                off = self._offset(pid)
                for name in op.names:
                    self.vectors[name].clear([off])
                self.versions[off] = op_num
        self.version = max(self.version, op_num)
        self.changed = True
        self.mutations += 1

    def _upsert(self, op_num: int, op: UpsertPoints) -> None:
        offsets = np.empty(len(op.ids), dtype=np.int64)
        keep = np.ones(len(op.ids), dtype=bool)
        for i, pid in enumerate(op.ids):
            off = self.ids.offset(pid)
            if off is None:
                off = self.ids.append(pid)
            elif self.versions[off] >= op_num:
                keep[i] = False
                continue
            offsets[i] = off
        self._reserve(self.n)
        rows = np.nonzero(keep)[0]
        kept = offsets[rows]
        self.versions[kept] = op_num
        self.deleted[kept] = False
        for name, store in self.vectors.items():
            column = op.vectors.get(name)
            if isinstance(store, DenseStore):
                store.clear(kept)
                if isinstance(column, DenseColumn):
                    present = keep if column.present is None else keep & column.present
                    store.put(offsets[present], column.data[present])
            else:
                store.clear(kept)
                if column is not None:
                    for i in rows.tolist():
                        value = column.get(i)
                        if value is not None:
                            store.put(int(offsets[i]), value)
        # the documents are stored as they came (the new points' offsets follow the
        # store's end); payload indexes need the values, decoded one point at a time
        self.payloads.assign(kept, op.payloads, rows)
        if self.field_indexes:
            for i, off in zip(rows.tolist(), kept.tolist()):
                payload = op.payloads.payload(i)
                for index in self.field_indexes.values():
                    index.set(off, payload)

    def _put_vectors(self, off: int, i: int, columns: Mapping[str, VectorColumn]) -> None:
        for name, column in columns.items():
            value = column.get(i)
            if value is None:
                continue
            store = self.vectors[name]
            if isinstance(store, DenseStore):
                store.put(np.array([off]), np.asarray(value)[np.newaxis, :])
            else:
                store.put(off, value)

    def _edit_payloads(self, op_num: int, ids: tuple[PointId, ...], edit: Callable[[Payload], Payload]) -> None:
        for _, pid in self._fresh(op_num, ids):
            off = self._offset(pid)
            self._set_payload(off, edit(self.payloads[off]))
            self.versions[off] = op_num

    def _set_payload(self, off: int, payload: Payload) -> None:
        self.payloads[off] = payload
        for index in self.field_indexes.values():
            index.set(off, payload)

    def _unindex(self, off: int) -> None:
        for index in self.field_indexes.values():
            index.remove(off)

    # -- sealing --------------------------------------------------------------------
    def freeze_parts(self) -> FreezeParts:
        """The costly part of ``freeze`` (packing payloads and ids), computed without changing
        anything: a sealed segment may do it outside the collection lock, since deletes, the
        only writes it takes, touch neither."""
        return FreezeParts(self._edits, self.payloads.pack(), self.ids.frozen_form())

    def freeze(self, parts: FreezeParts | None = None) -> None:
        """Compact what a sealed segment never changes again: payloads are packed and payload
        indexes become arrays. Deletes still apply; any other write thaws the segment."""
        if parts is not None and parts.edits != self._edits:
            parts = None  # edited since: pack again
        self.payloads.freeze(parts.payloads if parts is not None else None)
        self.ids.freeze(parts.ids if parts is not None else None)
        for index in self.field_indexes.values():
            index.freeze(self.n)
        self.versions = self.versions[: self.n].copy()  # no more appends: drop the spare capacity
        self.deleted = self.deleted[: self.n].copy()
        self.frozen = True

    def thaw(self) -> None:
        self.frozen = False
        for store in self.vectors.values():
            if isinstance(store, DenseStore) and not store.data.flags.writeable:
                store.data = np.array(store.data)  # mapped rows (on_disk) are read-only
        for key, index in list(self.field_indexes.items()):
            if index.frozen:
                self.create_field_index(key, index.spec)

    # -- payload indexes ------------------------------------------------------------
    def create_field_index(self, key: str, spec: PayloadIndexSpec) -> None:
        index = make_field_index(key, spec)
        for off, payload in enumerate(self.payloads):
            if not self.deleted[off]:
                index.set(off, payload)
        if self.frozen:
            index.freeze(self.n)
        self.field_indexes[key] = index

    def delete_field_index(self, key: str) -> None:
        self.field_indexes.pop(key, None)

    # -- whole-segment state (persistence) ------------------------------------------
    def restore(
        self,
        ids: list[PointId] | IdTracker,
        versions: I64,
        deleted: npt.NDArray[np.bool_],
        payloads: PayloadStore,
        stores: dict[str, VectorStore],
        version: int,
        indexes: Mapping[str, FieldIndex] | None = None,
    ) -> None:
        """Take over a whole segment's state; payload indexes are rebuilt from the payloads,
        except those of ``indexes`` (read back from disk) built for the same spec."""
        self.ids = ids if isinstance(ids, IdTracker) else IdTracker(ids)
        self._edits += 1
        self.payloads = payloads
        self.versions = versions
        self.deleted = deleted
        self.vectors.update(stores)
        self.version = version
        self.mutations += 1
        self._reserve(max(self.n, 1))
        for key, index in list(self.field_indexes.items()):
            stored = (indexes or {}).get(key)
            if stored is not None and stored.spec == index.spec:
                self.field_indexes[key] = stored
            else:
                self.create_field_index(key, index.spec)
