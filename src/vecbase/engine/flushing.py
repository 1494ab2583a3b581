"""Flushing a collection: its segments written to disk, the manifest switched, and the log
records they cover dropped (a mixin of ``Collection``, which owns the state it writes).

Invariants: the appendable segment is written under the collection lock and before the
sealed ones, so a crash between saves leaves a moved point live in two segments (settled
at load by version), never in none; the manifest switches atomically, and only then are
the log records it covers dropped."""

from __future__ import annotations

import threading
from pathlib import Path

import orjson

from vecbase.core.config import CollectionConfig
from vecbase.engine.rwlock import RWLock
from vecbase.segment.persistence import SealedState, map_graphs, save_segment, sealed_state
from vecbase.segment.segment import Segment
from vecbase.storage.files import atomic_write, ensure_dir, remove_tree, stored_dirs
from vecbase.storage.wal import Wal

MANIFEST = "manifest.json"


class SegmentFlush:
    path: Path | None
    closed: bool
    lock: RWLock
    config: CollectionConfig
    segments: list[Segment]
    wal: Wal | None
    _dirty: bool
    _op_num: int
    _flush_lock: threading.Lock
    _writing: threading.Lock
    _flush_generation: int

    def flush(self) -> None:
        """Persist segments, then drop the log files they cover.

        The appendable segment is written under the collection lock (it is bounded by the
        indexing threshold); sealed segments, which can be large, are written from a copy of
        their tombstones without holding it, so searches do not stall behind the disk. A
        caller that already holds the lock (close, schema changes) flushes entirely under it.
        """
        if self.path is None or self.closed:
            return
        seg_root = self.path / "segments"
        if self.lock.owned():
            with self._writing:  # let a background flush finish writing sealed segments
                self._flush_locked(seg_root)
            return
        with self._flush_lock:
            with self.lock:
                if self.closed or not self._dirty:
                    return
                generation = self._flush_generation
                op_num, layout, pending = self._flush_begin(seg_root)
            failed: BaseException | None = None
            written: list[tuple[Segment, SealedState, dict[str, str]]] = []
            with self._writing:
                # else a newer flush wrote them, or the collection was dropped meanwhile
                if self._flush_generation == generation and not self.closed:
                    try:
                        for seg, state in pending:
                            written.append((seg, state, save_segment(seg, seg_root / seg.uid, state)))
                    except BaseException as e:  # re-raised below, after re-marking
                        failed = e
            with self.lock:
                if self.closed:
                    return
                if failed is not None:
                    for seg, _ in pending:
                        seg.changed = True
                    self._dirty = True
                    raise failed
                if self._flush_generation == generation:
                    self._flush_end(seg_root, op_num, layout)
                    self._map_graphs(seg_root, written)

    def _flush_locked(self, seg_root: Path) -> None:
        if self.closed or not self._dirty:
            return
        op_num, layout, pending = self._flush_begin(seg_root)
        written: list[tuple[Segment, SealedState, dict[str, str]]] = []
        try:
            for seg, state in pending:
                written.append((seg, state, save_segment(seg, seg_root / seg.uid, state)))
        except BaseException:
            for seg, _ in pending:
                seg.changed = True
            self._dirty = True
            raise
        self._flush_end(seg_root, op_num, layout)
        self._map_graphs(seg_root, written)

    def _map_graphs(self, seg_root: Path, written: list[tuple[Segment, SealedState, dict[str, str]]]) -> None:
        """Under the lock, after a flush: graphs of ``on_disk`` vectors just written switch to
        their mapped files (their vectors then live in the page cache, not the heap)."""
        for seg, state, graphs in written:
            if seg in self.segments:
                map_graphs(seg, seg_root / seg.uid, state.indexes, graphs, self.config)

    def _flush_begin(self, seg_root: Path) -> tuple[int, list[Segment], list[tuple[Segment, SealedState]]]:
        """Under the lock: write the appendable segment, capture what the sealed ones need."""
        ensure_dir(seg_root)
        op_num = self._op_num
        layout = list(self.segments)
        # appendable first: a crash between saves may then leave a moved point live in two
        # segments (deduplicated at load by version), never in none
        appendable = layout[-1]
        if appendable.changed or not (seg_root / appendable.uid).exists():
            appendable.version = max(appendable.version, op_num)
            save_segment(appendable, seg_root / appendable.uid)
            appendable.changed = False
        pending = []
        for seg in layout[:-1]:
            if seg.changed or not (seg_root / seg.uid).exists():
                seg.version = max(seg.version, op_num)
                pending.append((seg, sealed_state(seg)))
                seg.changed = False
        self._dirty = False
        return op_num, layout, pending

    def _flush_end(self, seg_root: Path, op_num: int, layout: list[Segment]) -> None:
        """Under the lock: switch the manifest (as of ``op_num``), drop unused directories and
        the log records the flush covers."""
        atomic_write(seg_root / MANIFEST, orjson.dumps([s.uid for s in layout]))
        keep = {s.uid for s in layout} | {s.uid for s in self.segments}
        for d in stored_dirs(seg_root):
            if d.name not in keep:
                remove_tree(d)
        if self.wal is not None:
            self.wal.sync()
            self.wal.truncate_before(op_num + 1)
        self._flush_generation += 1
