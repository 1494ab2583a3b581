"""The optimizer: seals the appendable segment past ``indexing_threshold`` and builds HNSW
indexes for sealed segments in the background, while writes go on to the new appendable one.

Sizes follow Qdrant: thresholds are in kilobytes of (the largest) dense vector storage;
``indexing_threshold = 0`` disables indexing, ``hnsw_config.m = 0`` disables the graph for a
vector. Builds run outside the collection lock (a sealed segment's vector rows never change:
writes only tombstone them): a sealed segment is indexed as a merge of one, a new segment of
its live rows laid out in its graph's walk order (``engine.graphs``), swapped in under the lock.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from vecbase.core.config import ITEMSIZE, CollectionConfig, PayloadIndexSpec, hnsw_of, quantization_of
from vecbase.core.errors import service_error_text
from vecbase.engine.fold import can_extend, fold_host
from vecbase.engine.graphs import indexable, lay_out, merged_graphs, worth_laying_out
from vecbase.engine.optimizable import Optimizable
from vecbase.engine.tracker import Tracked
from vecbase.index.hnsw import set_build_threads
from vecbase.segment import merge
from vecbase.segment.growing import growth_pending, new_graph, settings_of
from vecbase.segment.segment import Segment
from vecbase.segment.vectors import DenseStore
from vecbase.storage import memory

log = logging.getLogger("vecbase.optimizer")


def graph_settings(config: CollectionConfig, name: str) -> tuple[Any, ...]:
    """What a built graph depends on: changing any of it means rebuilding."""
    h = hnsw_of(config, name)
    return (h.m, h.ef_construct, quantization_of(config, name))


def vector_kb(config: CollectionConfig, seg: Segment) -> float:
    """Size of the segment's largest dense vector storage, in kilobytes."""
    sizes = [seg.n * vc.size * ITEMSIZE[vc.datatype] / 1024 for vc in config.vectors.values()]
    return max(sizes, default=0.0)


def should_seal(config: CollectionConfig, seg: Segment) -> bool:
    threshold = config.optimizers.indexing_threshold
    if not threshold or not indexable(config):
        return False
    return vector_kb(config, seg) >= threshold


def pending_indexes(config: CollectionConfig, sealed: list[Segment]) -> list[Segment]:
    """The sealed segments with live points that lack a graph of some indexable vector."""
    names = indexable(config)
    return [s for s in sealed if s.live_count() > 0 and any(n not in s.dense_indexes for n in names)]


class Optimizer:
    """One background worker for every collection of a table of contents."""

    def __init__(self, collections: Callable[[], list[Optimizable]], interval: float = 0.5) -> None:
        self._collections = collections
        self._interval = interval
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="vecbase-optimizer", daemon=True)
        # leave a core to the write path: indexing competes with ingest for CPU
        self.threads = max(1, (os.cpu_count() or 1) - 1)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join()

    def _loop(self) -> None:
        try:
            # background work: the kernel should prefer request threads when cores are busy
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
        except (AttributeError, OSError):
            pass
        wait = self._interval
        while not self._stop.is_set():
            self._wake.wait(wait)
            self._wake.clear()
            wait = self._interval
            for col in self._collections():
                if self._stop.is_set():
                    return
                if col.closed:
                    continue
                try:
                    recovered = optimize_collection(col, self.threads, self._stop)
                except Exception as e:  # an optimizer failure must not take the server down
                    log.exception("optimization of collection %s failed", col.name)
                    # shown in the collection's info (status red) until an optimization
                    # completes again (a pass with nothing to do recovers nothing)
                    col.optimizer_error = service_error_text(e)
                else:
                    if recovered:
                        col.optimizer_error = None
                if col.deferred_since is not None:
                    wait = QUIET_S  # a build waits for quiet writes: look again when they may be


def merge_candidates(config: CollectionConfig, sealed: list[Segment]) -> list[Segment]:
    """Sealed segments to rebuild as one: a segment worth vacuuming, or the two smallest
    when there are more segments than ``default_segment_number`` (0: the CPU count)."""
    o = config.optimizers
    for seg in sealed:
        dead = seg.n - seg.live_count()
        if seg.n >= o.vacuum_min_vector_number and dead > o.deleted_threshold * seg.n:
            return [seg]
    target = o.default_segment_number or (os.cpu_count() or 1)
    if len(sealed) + 1 <= target or len(sealed) < 2:
        return []
    # fold the smallest ones at once (one build instead of a cascade of pairwise merges)
    fold = len(sealed) - max(target - 1, 1) + 1
    return sorted(sealed, key=lambda s: s.live_count())[: max(fold, 2)]


QUIET_S = 0.3
MAX_DEFER_S = 30.0


def optimize_collection(col: Optimizable, threads: int, stop: threading.Event) -> bool:
    """One pass: seal a full appendable segment, index sealed segments, merge or vacuum.
    Whether it replaced segments (and wrote them)."""
    if col.closed:
        return False
    seal, other = _work(col)
    if not (seal or other):
        return False
    sealed = None
    if seal:
        with col.lock:
            if should_seal(col.config, col.segments[-1]):
                sealed = col.seal(freeze=False)
        if sealed is not None:
            log.info("collection %s: sealed a segment of %d points for indexing", col.name, sealed.n)
    if _defer_builds(col):
        # decided without the exclusive lock: an ingest must not stall on a waiting optimizer
        col.optimizing = col.optimizing or other or sealed is not None
        return False
    del sealed  # replaced by its indexed copy below: nothing here may keep it alive
    _freeze_sealed(col)
    built = _build(col, threads, stop)
    if not stop.is_set():
        _grow(col, threads, stop)
    if built:
        # as Qdrant's optimized segments, new graphs are on disk before the collection is
        # green again: a restart loads them instead of rebuilding
        col.flush()
        # the pass's transient buffers (graph builds, copies) and the segments it replaced
        # were freed (``_build`` holds none of them once it returns); not after a mere seal:
        # trimming during an ingest makes its next allocations fault pages back in
        memory.release()
    with col.lock:
        col.optimizing = work_pending(col.config, col.segments)
    return built


def _build(col: Optimizable, threads: int, stop: threading.Event) -> bool:
    """Index sealed segments, then merge or fold; whether any segment was replaced."""
    with col.lock:
        # segments about to be merged get their index from the merge, not before it
        merging = merge_candidates(col.config, col.segments[:-1])
        standalone = [s for s in col.segments[:-1] if all(s is not g for g in merging)]
        pending = pending_indexes(col.config, standalone)
        col.optimizing = bool(pending or merging)
        del merging, standalone
    indexed = bool(pending)
    while pending:
        if stop.is_set():
            return indexed
        seg = pending.pop(0)
        if not worth_laying_out(col.config, seg.n):
            _index_in_place(col, seg, threads)
            continue
        # a new segment of the sealed one's rows with its graphs (a merge of one): the rows
        # are laid out in the graph's walk order, which the segment in place could not be
        with col.lock:
            if col.closed or all(s is not seg for s in col.segments[:-1]):
                continue
            plan = _merge_plan(col, [seg])
        del seg
        _merge_run(col, plan, threads, "indexed")
        del plan
    merged = False if stop.is_set() else _merge(col, threads)
    folded = False if stop.is_set() or merged or not _indexed_and_merged(col) else _fold(col, threads)
    return indexed or merged or folded


def _index_in_place(col: Optimizable, seg: Segment, threads: int) -> None:
    """Build the graphs of a sealed segment over all its rows (deleted ones too: row numbers
    are offsets) without the lock, and attach them under it. A sealed segment's rows never
    change (writes only tombstone them), so graphs built from a copy stay valid."""
    with col.lock.shared():
        config = col.config
        every = merge.Source(seg, np.arange(seg.n, dtype=np.int64), seg.versions[: seg.n].copy())
        members = [(seg.uid, seg.live_count())]
    with col.tracker.track("indexing", members) as tracked:
        graphs = merged_graphs(config, [every], None, threads)
        with col.lock:
            if col.closed or config is not col.config or all(s is not seg for s in col.segments[:-1]):
                tracked.cancel("the collection changed during the optimization; a later pass retries")
                return
            for name, graph in graphs.items():
                seg.attach_index(name, graph)
            seg.changed = True
            col.mark_dirty()
    log.info("collection %s: indexed a segment of %d points", col.name, seg.n)


def _indexed_and_merged(col: Optimizable) -> bool:
    with col.lock.shared():
        sealed = col.segments[:-1]
        return not pending_indexes(col.config, sealed) and not merge_candidates(col.config, sealed)


def work_pending(config: CollectionConfig, segments: list[Segment]) -> bool:
    """Whether graphs are to be built, grown, merged or folded (besides sealing): what keeps a
    collection yellow. Call under the collection's lock (shared is enough)."""
    return bool(
        pending_indexes(config, segments[:-1])
        or merge_candidates(config, segments[:-1])
        or growth_pending(config, segments[-1])
        or fold_host(config, segments) is not None
    )


def _grow(col: Optimizable, threads: int, stop: threading.Event) -> None:
    """Build or extend the appendable segment's growing graphs: rows copied under the shared
    lock, the graph grown without a lock, the new graph swapped in under the lock (rows
    written meanwhile are stale in it by their write ticks, and scanned)."""
    with col.lock.shared():
        seg, config = col.segments[-1], col.config
        work = []
        for name in growth_pending(config, seg):
            store = seg.vectors[name]
            assert isinstance(store, DenseStore)
            graph = seg.growing.get(name)
            if graph is not None and graph.settings != settings_of(config, name):
                graph = None
            start = graph.size if graph is not None else 0
            work.append(
                (
                    name,
                    seg.growing.get(name),
                    graph,
                    store.data[start : seg.n].astype("float32"),
                    store.ticks(start, seg.n),
                )
            )
    for name, current, graph, rows, ticks in work:
        if stop.is_set():
            return
        set_build_threads(threads)
        grown = graph.extended(rows, ticks) if graph is not None else new_graph(config, name, rows, ticks)
        with col.lock:
            if col.closed or col.config is not config:
                return
            if (
                seg.growing.get(name) is current
                and name not in seg.dense_indexes
                and any(s is seg for s in col.segments)
            ):
                seg.set_growing(name, grown)
                log.debug("collection %s: growing graph of %s covers %d rows", col.name, name, grown.size)


def _freeze_sealed(col: Optimizable) -> None:
    """Compact sealed segments once writes are quiet, the costly part outside the lock. Not at
    seal time: this thread runs at low priority, and Python work in it during an ingest holds
    the GIL while the OS prefers the busy request threads, stalling them (priority inversion)."""
    with col.lock.shared():
        pending = [s for s in col.segments[:-1] if not s.frozen]
    for seg in pending:
        parts = seg.freeze_parts()
        with col.lock:
            if seg in col.segments[:-1]:
                seg.freeze(parts)


def _work(col: Optimizable) -> tuple[bool, bool]:
    """(a segment to seal, other work), checked under the shared lock: an idle or waiting pass
    must not take the exclusive lock, which would stall searches and writes each time."""
    with col.lock.shared():
        other = col.optimizing or any(not s.frozen for s in col.segments[:-1]) or work_pending(col.config, col.segments)
        return should_seal(col.config, col.segments[-1]), other


def _defer_builds(col: Optimizable) -> bool:
    """Index builds wait for a pause in writes (they compete for the same cores as a bulk
    upload), but never longer than ``MAX_DEFER_S``; sealing goes on regardless."""
    now = time.monotonic()
    if now - col.last_write >= QUIET_S:
        col.deferred_since = None
        return False
    if col.deferred_since is None:
        col.deferred_since = now
    return now - col.deferred_since < MAX_DEFER_S


def _merge(col: Optimizable, threads: int) -> bool:
    """Merge small sealed segments (or vacuum one) into a new indexed segment; whether it did."""
    with col.lock:
        group = merge_candidates(col.config, col.segments[:-1])
        if not group:
            return False
        plan = _merge_plan(col, group)
    _merge_run(col, plan, threads, "merged")
    return True


def _fold(col: Optimizable, threads: int) -> bool:
    """Fold the appendable segment into the indexed one (see ``engine.fold``); whether it did."""
    with col.lock:
        host = fold_host(col.config, col.segments)
        if host is None:
            return False
        small = col.seal(freeze=False)  # writes go on into a new appendable segment
        if small is None:
            return False
        plan = _merge_plan(col, [host, small])
    _merge_run(col, plan, threads, "folded")
    return True


@dataclass
class MergePlan:
    """A merge's inputs, taken under the collection lock: the members (the one whose graphs
    the merged segment extends first), their live rows and versions, the settings, and the
    members as the optimization tracker reports them (uid, live points)."""

    group: list[Segment]
    host: Segment | None
    sources: list[merge.Source]
    config: CollectionConfig
    schema: dict[str, PayloadIndexSpec]
    members: list[tuple[str, int]]


def _merge_plan(col: Optimizable, group: list[Segment]) -> MergePlan:
    col.optimizing = True
    hosts = [s for s in group if can_extend(col.config, s)]
    host = max(hosts, key=lambda s: s.n) if hosts else None
    if host is not None:
        group = [host] + [s for s in group if s is not host]
    members = [(s.uid, s.live_count()) for s in group]
    return MergePlan(group, host, merge.snapshot(group), col.config, dict(col.payload_schema), members)


# the optimizer names Qdrant reports for each kind of pass
_OPTIMIZER_OF = {"indexed": "indexing", "merged": "merge", "folded": "merge"}


def _merge_run(col: Optimizable, plan: MergePlan, threads: int, verb: str) -> None:
    """Build the merged segment without the lock (copy-on-write) and swap it in under the
    lock, dropping points changed meanwhile. The host's graphs, extended by the other
    members' rows, are the merged segment's (no rebuild); without a host they are built."""
    group = plan.group
    optimizer = "vacuum" if verb == "merged" and len(group) == 1 else _OPTIMIZER_OF[verb]
    with col.tracker.track(optimizer, plan.members) as tracked:
        graphs = merged_graphs(plan.config, plan.sources, plan.host, threads)
        order = lay_out(plan.config, graphs)
        merged = merge.merged_segment(plan.config, plan.schema, plan.sources, order)
        for name, graph in graphs.items():
            merged.attach_index(name, graph)
        with col.lock:
            if col.closed or plan.config is not col.config or any(s not in col.segments for s in group):
                tracked.cancel("the collection changed during the optimization; a later pass retries")
                return
            for pos in merge.stale_positions(plan.sources, order).tolist():
                merged.drop(pos)  # deleted, moved or rewritten since the snapshot
            at = col.segments.index(group[0])
            rest = [s for s in col.segments if all(s is not g for g in group)]
            rest.insert(min(at, len(rest) - 1), merged)
            col.segments = rest
            col.mark_dirty()
    what = f"{len(group)} segments into one" if len(group) > 1 else "a segment"
    log.info("collection %s: %s %s of %d points", col.name, verb, what, merged.live_count())


@dataclass(frozen=True)
class OptimizationState:
    """What ``GET /collections/{name}/optimizations`` reports of one collection: the running
    and completed optimizations, those the planner would start next (optimizer, members) and
    the segments needing none (uid, live points)."""

    running: list[Tracked]
    queued: list[tuple[str, list[tuple[str, int]]]]
    idle: list[tuple[str, int]]
    completed: list[Tracked]


def optimization_state(col: Optimizable, completed_limit: int) -> OptimizationState:
    """The planner's view, taken under the shared lock with the same rules a pass applies."""
    running = col.tracker.running()
    busy = {uid for t in running for uid, _ in t.segments}
    with col.lock.shared():
        config, segments = col.config, list(col.segments)
        if not segments:  # a collection that holds no points itself (custom sharding's root)
            return OptimizationState(running, [], [], col.tracker.completed(completed_limit))
        sealed = [s for s in segments[:-1] if s.uid not in busy]
        plan: list[tuple[str, list[Segment]]] = []
        merging = merge_candidates(config, sealed)
        if merging:
            plan.append(("vacuum" if len(merging) == 1 else "merge", merging))
        standalone = [s for s in sealed if all(s is not g for g in merging)]
        plan += [("indexing", [s]) for s in pending_indexes(config, standalone)]
        if should_seal(config, segments[-1]):  # sealed, then indexed, by the next pass
            plan.append(("indexing", [segments[-1]]))
        host = fold_host(config, segments) if not plan and segments[-1].uid not in busy else None
        if host is not None and host.uid not in busy:
            plan.append(("merge", [host, segments[-1]]))
        planned = {s.uid for _, group in plan for s in group}
        queued = [(name, [(s.uid, s.live_count()) for s in group]) for name, group in plan]
        idle = [(s.uid, s.live_count()) for s in segments if s.uid not in planned and s.uid not in busy]
    return OptimizationState(running, queued, idle, col.tracker.completed(completed_limit))
