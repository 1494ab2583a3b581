"""Folding the appendable segment into the indexed one once writes pause, so a read-heavy
collection searches one graph instead of a graph and a scanned (or second) one.

The appendable segment is sealed first (writes go on into a new one), then merged with the
largest indexed segment copy-on-write, as any merge: the merged rows are the host's rows in
order followed by the folded ones, so the host's graph, copied and extended by the folded
rows, is the merged segment's graph (no rebuild). Only where that holds: a host without
deleted rows whose every graph is complete and may grow (flat, Cosine or Euclid). Merges of
sealed segments extend the same way. This module decides (``fold_host``, ``can_extend``);
``engine.graphs`` extends the graphs and the optimizer runs the merge.
"""

from __future__ import annotations

from vecbase.core.config import CollectionConfig
from vecbase.segment.growing import can_grow
from vecbase.segment.segment import Segment

# fewer rows than this stay in the appendable segment (a scan of them costs little, and each
# fold copies the host's graph)
FOLD_MIN_ROWS = 1000


def _indexed(config: CollectionConfig) -> list[str]:
    return [n for n, vc in config.vectors.items() if not vc.multivector]


def can_extend(config: CollectionConfig, seg: Segment) -> bool:
    """Whether a merge that puts ``seg``'s rows first may extend its graphs instead of building
    new ones: no deleted rows (the merged rows start with its rows, in order), and a complete
    graph that may grow for every dense vector."""
    names = _indexed(config)
    if not names or not config.optimizers.indexing_threshold or any(not can_grow(config, n) for n in names):
        return False
    return seg.live_count() == seg.n and all(
        name in seg.dense_indexes and seg.dense_indexes[name].size == seg.n for name in names
    )


def fold_host(config: CollectionConfig, segments: list[Segment]) -> Segment | None:
    """The indexed segment the appendable one (``segments[-1]``) would fold into, or None
    when folding does not apply."""
    small = segments[-1]
    if small.live_count() < FOLD_MIN_ROWS:
        return None
    hosts = [s for s in segments[:-1] if can_extend(config, s)]
    if not hosts:
        return None
    host = max(hosts, key=lambda s: s.n)
    limit = config.optimizers.max_segment_size
    if limit is not None:
        size_kb = sum((host.n + small.n) * config.vectors[name].size * 4 / 1024 for name in _indexed(config))
        if size_kb > limit:
            return None
    return host
