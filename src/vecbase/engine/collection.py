"""A collection: configuration, write-ahead log, segments and payload index schema."""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence

import numpy as np
import orjson

from vecbase.core.config import CollectionConfig, PayloadIndexSpec, PayloadType
from vecbase.core.errors import BadRequestError, CollectionNotFoundError, PointNotFoundError, StorageError
from vecbase.core.filter import Filter
from vecbase.core.ids import PointId, normalize_id
from vecbase.core.operations import (
    COLLECTION_OPERATIONS,
    ClearPayload,
    CollectionOperation,
    ConfigChange,
    CreateFieldIndex,
    DeleteFieldIndex,
    DeletePayload,
    DeletePoints,
    DeleteVectors,
    OverwritePayload,
    PointOperation,
    SetPayload,
    UpdateVectors,
    UpsertPoints,
    take,
)
from vecbase.core.points import Payload
from vecbase.core.sharding import ShardSelector, shard_key_not_found
from vecbase.engine import optimizer
from vecbase.engine.flushing import MANIFEST, SegmentFlush
from vecbase.engine.reads import CollectionReads
from vecbase.engine.rwlock import RWLock
from vecbase.engine.settler import SETTLER
from vecbase.engine.tracker import OptimizationTracker
from vecbase.engine.validation import check_vectors
from vecbase.engine.wal_codec import decode, encode
from vecbase.index.field import spec_json
from vecbase.segment.filtering import filter_mask
from vecbase.segment.persistence import load_segment
from vecbase.segment.routing import apply_across, dedupe
from vecbase.segment.segment import Segment
from vecbase.storage.files import (
    atomic_write,
    ensure_dir,
    read_bytes,
    read_bytes_if_exists,
    remove_tree,
    settle_dir,
    stored_dirs,
)
from vecbase.storage.wal import Wal

log = logging.getLogger("vecbase.collection")
CONFIG_FILE = "collection.json"
CONFIG_FORMAT = 1

PointSelector = Sequence[object] | Filter


def _stored(path: Path) -> dict[str, Any]:
    raw: dict[str, Any] = orjson.loads(read_bytes(path / CONFIG_FILE))
    if raw.get("format") != CONFIG_FORMAT:
        raise StorageError(f"Collection {path} has format {raw.get('format')}, this build reads {CONFIG_FORMAT}")
    return raw


def stored_config(path: Path) -> CollectionConfig:
    """The configuration saved in a collection directory."""
    return CollectionConfig.from_json(_stored(path)["config"])


class Collection(SegmentFlush, CollectionReads):
    """Thread-safe: writes hold the collection lock exclusively, reads share it."""

    lock: RWLock

    def __init__(
        self,
        name: str,
        config: CollectionConfig,
        path: Path | None,
        payload_schema: Mapping[str, PayloadIndexSpec] | None = None,
    ) -> None:
        self.name = name
        self.config = config
        self.path = path
        self.payload_schema: dict[str, PayloadIndexSpec] = dict(payload_schema or {})
        self.lock = RWLock(settle=self._settle)
        # logged and acknowledged (``wait=false``), not yet applied: settled by the next
        # section that takes the lock, or by the settler thread
        self._owed: deque[tuple[int, PointOperation]] = deque()
        self._flush_lock = threading.Lock()  # one background flush at a time
        self._writing = threading.Lock()  # held while sealed segments are written
        self._flush_generation = 0
        self.optimizing = False
        self.optimizer_error: str | None = None
        self.tracker = OptimizationTracker()  # the optimizer's passes, for the API to report
        self.last_write = 0.0  # monotonic time of the last write: index builds wait for a pause
        self.deferred_since: float | None = None
        # set by the owner: nudges the background optimizer after a settings change
        self.on_change: Callable[[], None] = lambda: None
        self.segments: list[Segment] = []
        self.wal: Wal | None = None
        self._dirty = False
        self._op_num = 0
        # set under the lock (and ``_writing``) by ``drop`` and ``close``: nothing touches the
        # collection's directory afterwards, so a collection recreated under the same name
        # cannot receive a late write from this one (a background flush, an optimizer pass)
        self.closed = False

    # -- lifecycle ------------------------------------------------------------------
    @classmethod
    def create(
        cls,
        name: str,
        config: CollectionConfig,
        path: Path | None,
        payload_schema: Mapping[str, PayloadIndexSpec] | None = None,
    ) -> Collection:
        col = cls(name, config, path, payload_schema)
        col.segments = [Segment(config, col.payload_schema)]
        if path is not None:
            ensure_dir(path)
            col._save_config()
            # an empty segment set from the start: segments written by a first flush that
            # never finished (a crash, a full disk) are not in it, so the log replays in full
            atomic_write(ensure_dir(path / "segments") / MANIFEST, b"[]")
            col.wal = Wal(path / "wal", config.wal.wal_capacity_mb << 20)
        return col

    @classmethod
    def load(cls, name: str, path: Path) -> Collection:
        raw = _stored(path)
        config = CollectionConfig.from_json(raw["config"])
        schema = {k: PayloadIndexSpec(PayloadType(v["type"]), v.get("params", {})) for k, v in raw["schema"].items()}
        col = cls(name, config, path, schema)
        seg_root = path / "segments"
        manifest = read_bytes_if_exists(seg_root / MANIFEST)
        if manifest is not None:
            dirs = [seg_root / uid for uid in orjson.loads(manifest)]
        else:
            # written before manifests: positional names (000000, 000001, ...) sort in order.
            # Segments named by their uid are from a first flush that never switched the
            # manifest; the log still holds their records
            dirs = [d for d in stored_dirs(seg_root) if d.name.isdigit()]
        for i, seg_dir in enumerate(dirs):
            settle_dir(seg_dir)
            col.segments.append(load_segment(seg_dir, config, schema, sealed=i < len(dirs) - 1))
        if not col.segments:
            col.segments = [Segment(config, schema)]
        col.wal = Wal(path / "wal", config.wal.wal_capacity_mb << 20)
        dropped = dedupe(col.segments)
        if dropped:
            log.warning("collection %s: %d points were live in two segments; kept the newest", name, dropped)
        # every segment holds all records up to its own version; later ones replay idempotently
        persisted = min(s.version for s in col.segments)
        replayed = 0
        for rec in col.wal.take_records():
            if rec.seq <= persisted:
                continue
            op = decode(rec.body)
            if isinstance(op, COLLECTION_OPERATIONS):
                continue  # its effect is in the config file, written before it was logged
            apply_across(col.segments, rec.seq, op)
            replayed += 1
        col.wal.last_seq = max(col.wal.last_seq, max(s.version for s in col.segments))
        col._op_num = col.wal.last_seq
        col._dirty = replayed > 0
        log.info("collection %s: loaded %d segments, replayed %d WAL records", name, len(col.segments), replayed)
        if replayed:
            # fold the replayed records into the segments now: a process that keeps dying
            # before its first periodic flush must not replay an ever longer log at each start
            try:
                col.flush()
            except (OSError, StorageError) as e:
                # the log still holds the records: serve them, and let the periodic flush
                # write the segments once the disk has room again
                log.warning("collection %s: could not write its segments after replay: %s", name, e)
        return col

    def _save_config(self) -> None:
        if self.path is None:
            return
        self.check_open()
        schema = {k: spec_json(v) for k, v in self.payload_schema.items()}
        data = {"format": CONFIG_FORMAT, "config": self.config.to_json(), "schema": schema}
        atomic_write(self.path / CONFIG_FILE, orjson.dumps(data))

    def close(self) -> None:
        with self.lock:
            try:
                self.flush()
            except (OSError, StorageError) as e:
                # the log holds what the segments could not take: the next open replays it
                log.error("collection %s: could not write its segments on close: %s", self.name, e)
            with self._writing:
                self.closed = True
                if self.wal is not None:
                    wal, self.wal = self.wal, None
                    try:
                        wal.close()
                    except StorageError as e:
                        log.error("collection %s: closing its log: %s", self.name, e)

    def drop(self) -> None:
        """Close without flushing and remove the collection's directory. Waits for a
        background write in progress (``_writing``); an optimizer pass working on the
        collection notices ``closed`` and abandons its result."""
        with self.lock:
            with self._writing:
                self.closed = True
                if self.wal is not None:
                    self.wal.close()
                    self.wal = None
                if self.path is not None:
                    remove_tree(self.path)

    @contextmanager
    def frozen(self) -> Iterator[None]:
        """Flushed and held still under the lock (a snapshot's moment)."""
        self.flush()
        with self.lock:
            self.check_open()
            self.flush()
            yield

    def units(self) -> list[Collection]:
        """The collections that hold this one's points (itself; a keyed collection's shards)."""
        return [self]

    def select(self, sel: ShardSelector | None) -> CollectionReads:
        """What a read with this shard selector sees: the whole collection, which has no
        shard keys (custom sharding: ``engine.keyed``)."""
        if sel is not None and sel.keys:
            raise shard_key_not_found(sel.keys[0])
        return self

    def write_targets(self, sel: ShardSelector | None) -> list[Collection]:
        """The collections a write with this shard selector goes to."""
        if sel is not None and sel.keys:
            raise shard_key_not_found(sel.keys[0], write=True)
        return [self]

    def check_open(self) -> None:
        """Under the lock: a request that looked the collection up before it was dropped
        gets "not found", not a write into a removed directory."""
        if self.closed:
            raise CollectionNotFoundError(self.name)

    # -- the write path ---------------------------------------------------------------
    def _write(self, op: PointOperation, wait: bool) -> int:
        """Log one resolved operation; with ``wait``, apply and fsync it before returning,
        else leave its apply owed (in the log already, so it survives a crash) to run once
        the caller has its answer."""
        self.check_open()
        if self.wal is not None:
            op_num = self.wal.append(encode(op))
        else:
            op_num = self._op_num + 1
        self._op_num = op_num
        self.last_write = time.monotonic()
        self._dirty = True
        if not wait:
            self._owed.append((op_num, op))
            self.lock.owed = True
            SETTLER.owe(self.lock)
            return op_num
        apply_across(self.segments, op_num, op)
        if self.wal is not None:
            self.wal.sync()
        return op_num

    def _settle(self) -> None:
        """Apply the owed writes in log order (called by the lock, held exclusively)."""
        while self._owed:
            op_num, op = self._owed.popleft()
            try:
                apply_across(self.segments, op_num, op)
            except Exception:  # acknowledged already: there is no caller left to tell
                log.exception("collection %s: applying acknowledged operation %d failed", self.name, op_num)

    def _existing(self, ids: Sequence[PointId]) -> tuple[tuple[PointId, ...], PointId | None]:
        present = tuple(i for i in ids if any(s.has_point(i) for s in self.segments))
        found = set(present)
        missing = next((i for i in ids if i not in found), None)
        return present, missing

    def _resolve(self, selector: PointSelector) -> tuple[PointId, ...]:
        if isinstance(selector, Filter):
            out: list[PointId] = []
            for seg in self.segments:
                out.extend(seg.ids[o] for o in np.nonzero(filter_mask(seg, selector))[0].tolist())
            return tuple(out)
        if not selector:
            # an empty id list reaches no shard: Qdrant refuses it (a filter matching nothing is fine)
            raise BadRequestError("Empty update request")
        ids: list[PointId] = []
        for raw in selector:
            try:
                ids.append(normalize_id(raw))
            except ValueError as e:
                raise BadRequestError(str(e)) from None
        return tuple(dict.fromkeys(ids))

    def _write_existing(
        self, selector: PointSelector, make: Callable[[tuple[PointId, ...]], PointOperation], wait: bool
    ) -> int:
        """Apply to the selected points that exist; then 404 on the first missing id, as Qdrant
        answers once it has applied a write. A write not waited for (``wait=false``) is
        acknowledged before Qdrant applies it, so a missing id never reaches its answer."""
        with self.lock:
            ids = self._resolve(selector)
            present, missing = self._existing(ids)
            op_num = self._write(make(present), wait) if present or not ids else self._op_num
            if wait and missing is not None and not isinstance(selector, Filter):
                raise PointNotFoundError(missing)
            return op_num

    def upsert(
        self, op: UpsertPoints, *, wait: bool = True, update_filter: Filter | None = None, mode: str = "upsert"
    ) -> int:
        if not op.ids:
            raise BadRequestError("Empty update request")
        check_vectors(self.config, op.vectors, len(op.ids))
        with self.lock:
            keep = self._upsert_keep(op.ids, update_filter, mode)
            if keep is not None:
                op = take(op, keep)
            return self._write(op, wait)

    def _upsert_keep(self, ids: tuple[PointId, ...], update_filter: Filter | None, mode: str) -> list[int] | None:
        if update_filter is None and mode == "upsert":
            return None
        allowed: set[PointId] | None = None
        if update_filter is not None:
            allowed = set(self._resolve(update_filter))
        keep = []
        for i, pid in enumerate(ids):
            exists = any(s.has_point(pid) for s in self.segments)
            if (mode == "insert_only" and exists) or (mode == "update_only" and not exists):
                continue
            if exists and allowed is not None and pid not in allowed:
                continue
            keep.append(i)
        return keep

    def delete(self, selector: PointSelector, wait: bool = True) -> int:
        with self.lock:
            return self._write(DeletePoints(self._resolve(selector)), wait)

    def set_payload(self, selector: PointSelector, payload: Payload, key: str | None, wait: bool = True) -> int:
        return self._write_existing(selector, lambda ids: SetPayload(ids, payload, key), wait)

    def overwrite_payload(self, selector: PointSelector, payload: Payload, wait: bool = True) -> int:
        return self._write_existing(selector, lambda ids: OverwritePayload(ids, payload), wait)

    def delete_payload(self, selector: PointSelector, keys: Sequence[str], wait: bool = True) -> int:
        return self._write_existing(selector, lambda ids: DeletePayload(ids, tuple(keys)), wait)

    def clear_payload(self, selector: PointSelector, wait: bool = True) -> int:
        return self._write_existing(selector, ClearPayload, wait)

    def update_vectors(self, op: UpdateVectors, wait: bool = True, update_filter: Filter | None = None) -> int:
        """Points that exist (and pass ``update_filter``) are updated; then 404 on the first
        missing id when the write is waited for (see ``_write_existing``)."""
        if not op.ids:
            raise BadRequestError("Empty update request")
        check_vectors(self.config, op.vectors, len(op.ids))
        with self.lock:
            present, missing = self._existing(op.ids)
            allowed = set(present)
            if update_filter is not None:
                allowed &= set(self._resolve(update_filter))
            keep = [i for i, pid in enumerate(op.ids) if pid in allowed]
            op_num = self._op_num
            if keep:
                op_num = self._write(take(op, keep), wait)
            if wait and missing is not None:
                raise PointNotFoundError(missing)
            return op_num

    def delete_vectors(self, selector: PointSelector, names: Sequence[str], wait: bool = True) -> int:
        for name in names:
            if name not in self.config.vectors and name not in self.config.sparse_vectors:
                raise BadRequestError(f"Wrong input: Not existing vector name error: {name}")
        return self._write_existing(selector, lambda ids: DeleteVectors(ids, tuple(names)), wait)

    # -- schema -------------------------------------------------------------------------
    def create_field_index(self, key: str, spec: PayloadIndexSpec) -> int:
        with self.lock:
            self.payload_schema[key] = spec
            for seg in self.segments:
                seg.create_field_index(key, spec)
            self._save_config()
            return self._log_change(CreateFieldIndex(key, spec))

    def delete_field_index(self, key: str) -> int:
        with self.lock:
            self.payload_schema.pop(key, None)
            for seg in self.segments:
                seg.delete_field_index(key)
            self._save_config()
            return self._log_change(DeleteFieldIndex(key))

    def _log_change(self, op: CollectionOperation) -> int:
        """Under the lock, once the change is in the config file: its operation number. As in
        Qdrant, a collection-level change takes one in the sequence the point operations take;
        the replay skips its record."""
        self.check_open()
        op_num = self.wal.append(encode(op)) if self.wal is not None else self._op_num + 1
        self._op_num = op_num
        return op_num

    def update_config(self, config: CollectionConfig) -> None:
        with self.lock:
            added = {k: v for k, v in config.vectors.items() if k not in self.config.vectors}
            if added or set(config.sparse_vectors) != set(self.config.sparse_vectors):
                raise BadRequestError("Vector names cannot be added or removed by a collection update")
            old = self.config
            self.config = config
            for seg in self.segments:
                seg.config = config
                for name in list(seg.dense_indexes):
                    if optimizer.graph_settings(old, name) != optimizer.graph_settings(config, name):
                        seg.drop_index(name)  # the optimizer rebuilds it with the new settings
                        self._dirty = True
            self._save_config()
        self.on_change()

    # -- optimization (the background optimizer drives it: ``engine.optimizer``) ---------
    def mark_dirty(self) -> None:
        self._dirty = True

    def seal(self, freeze: bool = True) -> Segment | None:
        """Start a new appendable segment; the current one becomes sealed (tombstones only).
        Returns the sealed segment, or None when the appendable one is empty. With
        ``freeze=False`` the caller freezes it later (see ``Segment.freeze_parts``)."""
        with self.lock:
            current = self.segments[-1]
            if current.n == 0:
                return None
            self.segments.append(Segment(self.config, self.payload_schema))
            if freeze:
                current.freeze()
            self._dirty = True
            return current

    def change_vector_names(self, config: CollectionConfig) -> int:
        """Add or remove named vectors (the rest of ``config`` must match the current one)."""
        with self.lock:
            # fold the log into the segments first: records before the change never replay
            self._dirty = True
            self.flush()
            self.config = config
            for seg in self.segments:
                seg.sync_vector_stores(config)
            self._save_config()
            self._dirty = True
            self.flush()
            return self._log_change(ConfigChange("vectors"))
