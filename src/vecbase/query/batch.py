"""Batches of nearest queries that differ only in their vector: each segment's graph is
searched once for the whole batch (one faiss call, its threads splitting the queries), the
rest as single queries would be. The answers are those of ``search.nearest_hits`` per query."""

from __future__ import annotations

from typing import Hashable, Sequence

import numpy as np
import numpy.typing as npt

from vecbase.core.config import CollectionConfig, full_scan_rows, hnsw_of
from vecbase.core.filter import Filter
from vecbase.index.hnsw import HnswIndex, Selector
from vecbase.query.model import NearestQuery, SearchParams
from vecbase.query.search import (
    F32,
    Hits,
    Part,
    _segment_scores,
    _unindexed_and_large,
    best_part,
    filter_key,
    growing_split,
    merge_parts,
    nearest_hits,
    prepared_query,
    segment_rows,
    walked,
)
from vecbase.segment.growing import growing_limit
from vecbase.segment.segment import Segment
from vecbase.segment.vectors import DenseStore


def nearest_hits_batch(
    segments: Sequence[Segment],
    config: CollectionConfig,
    queries: Sequence[NearestQuery],
    flt: Filter | None,
    limit: int,
    offset: int,
    threshold: float | None,
    params: SearchParams,
) -> list[Hits]:
    """``nearest_hits`` for each of ``queries`` (one vector name, the same filter and params)."""
    name = queries[0].using if queries else ""
    vc = config.vectors.get(name)
    if vc is None or vc.multivector or len(queries) < 2 or any(q.using != name for q in queries):
        return [nearest_hits(segments, config, q, flt, limit, offset, threshold, params) for q in queries]
    prepared = [prepared_query(segments, config, q) for q in queries]
    if any(not isinstance(p, np.ndarray) or p.ndim != 1 for p in prepared):
        return [nearest_hits(segments, config, q, flt, limit, offset, threshold, params) for q in queries]
    matrix = np.ascontiguousarray(np.stack(prepared), dtype=np.float32)  # type: ignore[arg-type]
    smaller = vc.distance.smaller_is_better
    want = offset + limit
    fkey = filter_key(flt)
    parts: list[list[tuple[Segment, npt.NDArray[np.int64], F32]]] = [[] for _ in queries]
    for seg in segments:
        if not len(seg.ids) or (params.indexed_only and _unindexed_and_large(seg, config, name)):
            continue
        found = _graph_batch(seg, config, name, flt, params, want, matrix, fkey)
        if found is None:
            best = want if threshold is None else 0
            found = [_segment_scores(seg, config, name, flt, params, want, q, fkey, best) for q in matrix]
        for i, part in enumerate(found):
            parts[i].append(best_part(seg, part, threshold, want, smaller))
    return [merge_parts(p, want, smaller).drop(offset) for p in parts]


def _graph_batch(
    seg: Segment,
    config: CollectionConfig,
    name: str,
    flt: Filter | None,
    params: SearchParams,
    want: int,
    queries: F32,
    fkey: Hashable,
) -> list[Part] | None:
    """The segment's answers from one batched walk of its graph (the sealed index, or a growing
    graph that passed its trial), with the rows outside the graph scanned; None where single
    queries would not walk a graph (the planner's choice, quantized graphs, exact search)."""
    store = seg.vectors[name]
    if params.exact or not isinstance(store, DenseStore) or want <= 0:
        return None
    _, mask, allowed = segment_rows(seg, config, name, flt, fkey)
    if mask is None:
        return None  # a very selective filter: single queries scan its few rows
    ef = max(params.hnsw_ef or hnsw_of(config, name).ef_construct, want)
    index = seg.dense_indexes.get(name)
    selector: Selector | None
    rest: npt.NDArray[np.int64] | None = None
    if index is not None:
        if index.size != seg.n or index.quantized or allowed < full_scan_rows(config, name):
            return None
        selector = None
        if allowed != index.size:
            selector = seg.memo(("selector", name, fkey, index), lambda: index.selector(mask))
        graph: HnswIndex = index
    else:
        growing = seg.growing.get(name)
        if growing is None or growing.probe.verdict is not True:
            return None  # no graph, or one still on trial (single queries run the trial)
        count, selector, rest = growing_split(seg, name, fkey, mask)
        if count < growing_limit(config, name):
            return None
        graph = growing.index
    distance = config.vectors[name].distance
    seg.count_search(name, "unfiltered_hnsw" if flt is None else "filtered_large_cardinality", queries.shape[0])
    return [
        walked(q, store, distance, offsets, scores, graph, rest)
        for q, (offsets, scores) in zip(queries, graph.search_batch(queries, want, ef, selector))
    ]
