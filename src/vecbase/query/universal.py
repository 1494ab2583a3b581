"""The universal query: prefetch trees, re-scoring, fusion, formulas, ordering, sampling, MMR.

A node's filter is propagated into every prefetch below it (so prefetch limits apply to
already-filtered candidates, as Qdrant does); the node's own query then re-scores the union
of its prefetches' candidates, or fuses their rankings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import numpy.typing as npt

from vecbase.core.config import CollectionConfig
from vecbase.core.errors import BadRequestError
from vecbase.core.filter import Filter, HasId, and_filters, merge_filters
from vecbase.core.ids import PointId
from vecbase.core.points import ScoredColumns, ScoredPoint, SparseVector
from vecbase.index.dense import top_k
from vecbase.query import formula as fx
from vecbase.query import fusion
from vecbase.query.batch import nearest_hits_batch
from vecbase.query.model import (
    DiscoverQuery,
    FeedbackQuery,
    FormulaQuery,
    FusionQuery,
    MmrQuery,
    NearestQuery,
    OrderByQuery,
    QueryKind,
    QueryNode,
    RecommendQuery,
    SampleQuery,
    SearchParams,
    SearchRequest,
    WithPayload,
    WithVectors,
)
from vecbase.query.read import first_by_id, order_rows, sample_points
from vecbase.query.records import scored, scored_columns
from vecbase.query.scoring import ExampleQuery, Prepared, example_scores, raw_similarity
from vecbase.query.search import Hits, check_vector_name, merge_parts, nearest_hits, prepared_query, search_hits
from vecbase.segment.filtering import filter_mask
from vecbase.segment.segment import Segment

F32 = npt.NDArray[np.float32]


@dataclass(slots=True)
class Found:
    seg: Segment
    off: int
    score: float
    order_value: int | float | None = None

    @property
    def id(self) -> PointId:
        return self.seg.ids[self.off]


def execute(segments: Sequence[Segment], config: CollectionConfig, node: QueryNode) -> ScoredColumns:
    wp, wv = node.with_payload, node.with_vectors
    if not node.prefetch and isinstance(node.query, NearestQuery):  # the common case, without Found records
        return nearest(
            segments,
            config,
            node.query,
            node.filter,
            node.limit,
            node.offset,
            node.score_threshold,
            node.params,
            wp,
            wv,
        )
    found = run(segments, config, node, None)
    orders = [f.order_value for f in found]
    hits = Hits([f.seg for f in found], [f.off for f in found], [f.score for f in found])
    return scored_columns(hits, wp, wv, orders if any(v is not None for v in orders) else None)


def nearest(
    segments: Sequence[Segment],
    config: CollectionConfig,
    query: NearestQuery,
    flt: Filter | None,
    limit: int,
    offset: int,
    score_threshold: float | None,
    params: SearchParams,
    wp: WithPayload,
    wv: WithVectors,
) -> ScoredColumns:
    """A node with a nearest query and no prefetches, from its fields: the most common query,
    which callers may run without building the node."""
    return scored_columns(nearest_hits(segments, config, query, flt, limit, offset, score_threshold, params), wp, wv)


def nearest_batch(
    segments: Sequence[Segment],
    config: CollectionConfig,
    queries: Sequence[NearestQuery],
    flt: Filter | None,
    limit: int,
    offset: int,
    score_threshold: float | None,
    params: SearchParams,
    wp: WithPayload,
    wv: WithVectors,
) -> list[ScoredColumns]:
    """``nearest`` for queries that differ only in their vector, each graph walked once."""
    found = nearest_hits_batch(segments, config, queries, flt, limit, offset, score_threshold, params)
    return [scored_columns(hits, wp, wv) for hits in found]


def to_scored(f: Found, wp: WithPayload, wv: WithVectors) -> ScoredPoint:
    return scored(f.seg, f.off, f.score, wp, wv, f.order_value)


def run(segments: Sequence[Segment], config: CollectionConfig, node: QueryNode, outer: Filter | None) -> list[Found]:
    flt = merge_filters(outer, node.filter)
    if not node.prefetch:
        return _base(segments, config, node, node.query, flt)
    sources = [run(segments, config, p, flt) for p in node.prefetch]
    q = node.query
    want = node.limit + node.offset
    if isinstance(q, FusionQuery):
        fused = _rrf(sources, q) if q.method == "rrf" else _dbsf(sources)
        if node.score_threshold is not None:
            fused = [f for f in fused if f.score >= node.score_threshold]
        return fused[:want][node.offset :]
    if isinstance(q, FormulaQuery):
        rescored = _formula(segments, q, sources)
        if node.score_threshold is not None:
            rescored = [f for f in rescored if f.score >= node.score_threshold]
        return rescored[:want][node.offset :]
    ids = {f.id for src in sources for f in src}
    if not ids:
        return []
    return _base(segments, config, node, q, and_filters(flt, Filter(must=(HasId(frozenset(ids)),))))


def _base(
    segments: Sequence[Segment], config: CollectionConfig, node: QueryNode, q: QueryKind | None, flt: Filter | None
) -> list[Found]:
    lim, off = node.limit, node.offset
    if q is None:
        return _by_id(segments, flt, lim + off)[off:]
    if isinstance(q, NearestQuery):
        req = SearchRequest(q, flt, lim, off, node.score_threshold, params=node.params)
        return [Found(s, o, sc) for s, o, sc in search_hits(segments, config, req)]
    if isinstance(q, MmrQuery):
        return _mmr(segments, config, node, q, flt)
    if isinstance(q, OrderByQuery):
        rows = order_rows(segments, flt, q.order_by, lim + off)
        return [Found(s, o, 1.0, v) for v, s, o in rows[off:]]
    if isinstance(q, SampleQuery):
        return _sample(segments, flt, lim + off)[off:]
    if isinstance(q, (FusionQuery, FormulaQuery)):
        kind = "fusion" if isinstance(q, FusionQuery) else "formula"
        raise BadRequestError(f"Bad request: cannot apply {kind} without prefetches")
    return _examples(segments, config, node, q, flt)


def _by_id(segments: Sequence[Segment], flt: Filter | None, n: int) -> list[Found]:
    return [Found(s, o, 1.0) for _, s, o in first_by_id(segments, flt, None, n)]


def _sample(segments: Sequence[Segment], flt: Filter | None, n: int) -> list[Found]:
    return [Found(s, o, 1.0) for s, o in sample_points(segments, [filter_mask(s, flt) for s in segments], n)]


def _prepare(segments: Sequence[Segment], config: CollectionConfig, using: str, v: Any) -> Prepared:
    return prepared_query(segments, config, NearestQuery(using, v))


def _roles(segments: Sequence[Segment], config: CollectionConfig, q: ExampleQuery) -> dict[str, list[Prepared]]:
    def prep(vs: Sequence[Any]) -> list[Prepared]:
        return [_prepare(segments, config, q.using, v) for v in vs]

    if isinstance(q, RecommendQuery):
        return {"positive": prep(q.positive), "negative": prep(q.negative)}
    if isinstance(q, FeedbackQuery):
        return {"target": prep([q.target]), "feedback": prep([v for v, _ in q.feedback])}
    roles = {"pair_positive": prep([p for p, _ in q.pairs]), "pair_negative": prep([n for _, n in q.pairs])}
    if isinstance(q, DiscoverQuery):
        roles["target"] = prep([q.target])
    return roles


def _examples(
    segments: Sequence[Segment], config: CollectionConfig, node: QueryNode, q: ExampleQuery, flt: Filter | None
) -> list[Found]:
    check_vector_name(config, q.using)
    prepared = _roles(segments, config, q)
    want = node.limit + node.offset
    parts = []
    for seg in segments:
        offsets = np.nonzero(filter_mask(seg, flt) & seg.has_vector_mask(q.using))[0]
        scores = example_scores(q, prepared, config, seg, offsets)
        if node.score_threshold is not None:
            keep = scores > node.score_threshold
            offsets, scores = offsets[keep], scores[keep]
        best = top_k(scores, want, False)
        parts.append((seg, offsets[best], scores[best]))
    return [Found(s, o, sc) for s, o, sc in merge_parts(parts, want, False).drop(node.offset)]


def _mmr(
    segments: Sequence[Segment], config: CollectionConfig, node: QueryNode, q: MmrQuery, flt: Filter | None
) -> list[Found]:
    limit = q.candidates_limit if q.candidates_limit is not None else node.limit
    req = SearchRequest(NearestQuery(q.using, q.vector), flt, limit, 0, node.score_threshold, params=node.params)
    hits = search_hits(segments, config, req)
    if not hits:
        return []
    query = _prepare(segments, config, q.using, q.vector)
    n = len(hits)
    relevance = np.array([raw_similarity(config, q.using, query, s, np.array([o]))[0] for s, o, _ in hits])
    sims = np.empty((n, n), dtype=np.float32)
    for i, (s, o, _) in enumerate(hits):
        v = s.vector(o, q.using)
        assert v is not None
        cand: Prepared = v if isinstance(v, SparseVector) else np.asarray(v, dtype=np.float32)
        for j, (s2, o2, _) in enumerate(hits):
            sims[i, j] = raw_similarity(config, q.using, cand, s2, np.array([o2]))[0]
    lam = 1.0 - q.diversity
    pending = list(range(n))

    def last_argmax(values: Sequence[float]) -> int:
        best = max(values)
        return max(i for i, v in enumerate(values) if v == best)

    def swap_remove(items: list[int], pos: int) -> int:
        items[pos], items[-1] = items[-1], items[pos]
        return items.pop()

    selected = [swap_remove(pending, last_argmax([float(relevance[i]) for i in pending]))]
    want = node.limit + node.offset
    while len(selected) < want and pending:
        scores = [lam * float(relevance[i]) - (1.0 - lam) * float(max(sims[i, j] for j in selected)) for i in pending]
        selected.append(swap_remove(pending, last_argmax(scores)))
    return [Found(hits.segments[i], hits.offsets[i], hits.scores[i]) for i in selected][node.offset :]


def _rrf(sources: Sequence[Sequence[Found]], q: FusionQuery) -> list[Found]:
    if q.weights is not None and len(q.weights) != len(sources):
        raise BadRequestError(
            f"Bad request: the number of RRF weights ({len(q.weights)}) must match the number of prefetches"
            f" ({len(sources)})"
        )
    first: dict[PointId, Found] = {}
    for src in sources:
        for f in src:
            first.setdefault(f.id, f)
    ranked = fusion.rrf([[(f.id, f.score) for f in src] for src in sources], q.k, q.weights)
    return [Found(first[pid].seg, first[pid].off, s) for pid, s in ranked]


def _dbsf(sources: Sequence[Sequence[Found]]) -> list[Found]:
    total: dict[PointId, float] = {}
    first: dict[PointId, Found] = {}
    for src in sources:
        if not src:
            continue
        raw = np.array([f.score for f in src], dtype=np.float64)
        if len(src) == 1:
            norm = np.array([0.5])
        else:
            std = float(np.std(raw, ddof=1))
            mean = float(raw.mean())
            norm = np.full(len(src), 0.5) if std == 0 else (raw - (mean - 3 * std)) / (6 * std)
        for f, s in zip(src, norm.tolist()):
            total[f.id] = total.get(f.id, 0.0) + s
            first.setdefault(f.id, f)
    ranked = sorted(total.items(), key=lambda kv: kv[1], reverse=True)
    return [Found(first[pid].seg, first[pid].off, s) for pid, s in ranked]


def _formula(segments: Sequence[Segment], q: FormulaQuery, sources: Sequence[Sequence[Found]]) -> list[Found]:
    fx.validate(q.expression)
    scores = [{f.id: f.score for f in src} for src in sources]
    seen: dict[PointId, Found] = {}
    for src in sources:
        for f in src:
            seen.setdefault(f.id, f)
    masks: dict[tuple[int, int], npt.NDArray[np.bool_]] = {}

    def mask(seg: Segment, flt: Filter) -> npt.NDArray[np.bool_]:
        key = (id(seg), id(flt))
        if key not in masks:
            masks[key] = filter_mask(seg, flt)
        return masks[key]

    out = []
    for pid, f in seen.items():
        payload = f.seg.payloads[f.off]

        def cond(flt: Filter, seg: Segment = f.seg, off: int = f.off) -> bool:
            return bool(mask(seg, flt)[off])

        value = fx.evaluate(q.expression, fx.Point(pid, payload, scores, cond), q.defaults)
        score = np.float32(value)
        if not np.isfinite(score):
            raise BadRequestError(f"Bad request: The expression produced a non-finite number: {value}")
        out.append(Found(f.seg, f.off, float(score)))
    out.sort(key=lambda x: x.score, reverse=True)
    return out
