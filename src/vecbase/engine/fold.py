"""Folding the appendable segment into the indexed one once writes pause, so a read-heavy
collection searches one graph instead of a graph and a scanned (or second) one.

The appendable segment is sealed first (writes go on into a new one), then merged with the
largest indexed segment copy-on-write, as any merge: the merged rows are the host's rows in
order followed by the folded ones, so the host's graph, copied and extended by the folded
rows, is the merged segment's graph (no rebuild). Only where that holds: a host without
deleted rows whose every graph is complete and may grow (flat, Cosine or Euclid).
"""

from __future__ import annotations

import logging

from vecbase.core.config import CollectionConfig
from vecbase.engine.optimizable import Optimizable
from vecbase.index.hnsw import set_build_threads
from vecbase.segment import merge
from vecbase.segment.growing import can_grow
from vecbase.segment.segment import Segment
from vecbase.segment.vectors import DenseStore

log = logging.getLogger("vecbase.optimizer")

# fewer rows than this stay in the appendable segment (a scan of them costs little, and each
# fold copies the host's graph)
FOLD_MIN_ROWS = 1000


def _indexed(config: CollectionConfig) -> list[str]:
    return [n for n, vc in config.vectors.items() if not vc.multivector]


def fold_host(config: CollectionConfig, segments: list[Segment]) -> Segment | None:
    """The indexed segment the appendable one (``segments[-1]``) would fold into, or None
    when folding does not apply."""
    small = segments[-1]
    names = _indexed(config)
    if small.live_count() < FOLD_MIN_ROWS or not names or not config.optimizers.indexing_threshold:
        return None
    if any(not can_grow(config, name) for name in names):
        return None
    hosts = [
        s
        for s in segments[:-1]
        if s.live_count() == s.n
        and all(name in s.dense_indexes and s.dense_indexes[name].size == s.n for name in names)
    ]
    if not hosts:
        return None
    host = max(hosts, key=lambda s: s.n)
    limit = config.optimizers.max_segment_size
    if limit is not None:
        size_kb = sum((host.n + small.n) * config.vectors[name].size * 4 / 1024 for name in names)
        if size_kb > limit:
            return None
    return host


def fold(col: Optimizable, threads: int) -> bool:
    """Fold the appendable segment into its host (see the module docstring); whether it did."""
    with col.lock:
        host = fold_host(col.config, col.segments)
        if host is None:
            return False
        small = col.seal(freeze=False)
        if small is None:
            return False
        col.optimizing = True
        sources = merge.snapshot([host, small])
        config, schema = col.config, dict(col.payload_schema)
        graphs = {name: host.dense_indexes[name] for name in _indexed(config)}
    merged = merge.merged_segment(config, schema, sources)
    set_build_threads(threads)
    for name, graph in graphs.items():
        store = merged.vectors[name]
        assert isinstance(store, DenseStore)
        rows = store.data[graph.size : merged.n].astype("float32")
        merged.attach_index(name, graph.grown(rows))
    with col.lock:
        if col.closed or config is not col.config or any(s not in col.segments for s in (host, small)):
            return True  # the collection changed meanwhile; a later pass retries
        for pos in merge.stale_positions(sources).tolist():
            merged.drop(pos)  # deleted or rewritten since the snapshot: the newer copy is elsewhere
        rest = [s for s in col.segments if s is not host and s is not small]
        rest.insert(len(rest) - 1, merged)
        col.segments = rest
        col.mark_dirty()
    log.info("collection %s: folded %d appendable points into a segment of %d", col.name, small.n, host.n)
    return True
