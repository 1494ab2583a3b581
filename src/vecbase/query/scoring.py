"""Example-based scores (recommend, discover, context, relevance feedback) over a segment.

All of them are built from the *raw* similarity Qdrant uses internally: bigger is better in
every distance (Euclid is minus the squared distance, Manhattan minus the L1 distance), so the
score functions below never need to know the metric.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np
import numpy.typing as npt

from vecbase.core.config import CollectionConfig, Distance
from vecbase.core.points import SparseVector
from vecbase.index.dense import EPSILON, max_sim, score_dense
from vecbase.index.hnsw import exact_scores
from vecbase.index.sparse import score_sparse
from vecbase.query.model import ContextQuery, DiscoverQuery, FeedbackQuery, RecommendQuery
from vecbase.segment.segment import Segment
from vecbase.segment.vectors import DenseStore, ListStore

F32 = npt.NDArray[np.float32]
Prepared = F32 | SparseVector
ExampleQuery = RecommendQuery | DiscoverQuery | ContextQuery | FeedbackQuery


def dense_scores(query: F32, rows: npt.NDArray[Any], offsets: npt.NDArray[np.int64] | None, distance: Distance) -> F32:
    """Exact scores of ``rows[offsets]`` (every row when None): faiss's kernels where they
    apply, the numpy twin otherwise."""
    fast = exact_scores(query, rows, offsets, distance)
    if fast is not None:
        return fast
    return score_dense(query, rows if offsets is None else rows[offsets], distance)


def raw_similarity(
    config: CollectionConfig, name: str, query: Prepared, seg: Segment, offsets: npt.NDArray[np.int64]
) -> F32:
    """Bigger-is-better similarity of each candidate to one prepared query vector."""
    store = seg.vectors[name]
    if isinstance(query, SparseVector):
        assert isinstance(store, ListStore)
        scores = score_sparse(query, [store.items[o] for o in offsets])
        return np.where(np.isfinite(scores), scores, np.float32(0.0)).astype(np.float32)
    distance = config.vectors[name].distance
    if isinstance(store, DenseStore):
        raw = dense_scores(query, store.data, offsets, distance)
        if distance is Distance.EUCLID:
            return (-(raw * raw)).astype(np.float32)
        if distance is Distance.MANHATTAN:
            return (-raw).astype(np.float32)
        return raw
    return np.array([max_sim(query, store.items[o], distance) for o in offsets], dtype=np.float32)


def _fast_sigmoid(x: F32) -> F32:
    return (x / (1.0 + np.abs(x))).astype(np.float32)


def _scaled_sigmoid(x: F32) -> F32:
    return (0.5 * (_fast_sigmoid(x) + 1.0)).astype(np.float32)


def example_scores(
    query: ExampleQuery,
    prepared: Mapping[str, Sequence[Prepared]],
    config: CollectionConfig,
    seg: Segment,
    offsets: npt.NDArray[np.int64],
) -> F32:
    """Scores of the candidates for one example query; ``prepared`` holds its vectors by role."""
    n = offsets.shape[0]

    def sims(role: str) -> list[F32]:
        return [raw_similarity(config, query.using, v, seg, offsets) for v in prepared.get(role, ())]

    if isinstance(query, RecommendQuery):
        pos, neg = sims("positive"), sims("negative")
        if query.strategy == "sum_scores":
            zero = np.zeros(n, dtype=np.float32)
            return (sum(pos, zero) - sum(neg, zero)).astype(np.float32)
        best_pos = np.max(pos, axis=0) if pos else np.full(n, -np.inf, dtype=np.float32)
        best_neg = np.max(neg, axis=0) if neg else np.full(n, -np.inf, dtype=np.float32)
        with np.errstate(invalid="ignore"):
            return np.where(best_pos > best_neg, _scaled_sigmoid(best_pos), -_scaled_sigmoid(best_neg)).astype(
                np.float32
            )
    if isinstance(query, (DiscoverQuery, ContextQuery)):
        pos, neg = sims("pair_positive"), sims("pair_negative")
        if isinstance(query, DiscoverQuery):
            ranks = np.zeros(n, dtype=np.float32)
            for p, q in zip(pos, neg):
                ranks += np.sign(p - q).astype(np.float32)
            return (ranks + _scaled_sigmoid(sims("target")[0])).astype(np.float32)
        total = np.zeros(n, dtype=np.float32)
        for p, q in zip(pos, neg):
            total += _fast_sigmoid(np.minimum(p - q - EPSILON, 0.0).astype(np.float32))
        return total
    target = sims("target")[0]
    score = (query.a * target).astype(np.float32)
    examples = sims("feedback")
    weights = [w for _, w in query.feedback]
    for i, wi in enumerate(weights):
        for j, wj in enumerate(weights):
            confidence = wi - wj
            if i == j or confidence <= 0.0:
                continue
            score += np.float32((confidence**query.b) * query.c) * (examples[i] - examples[j])
    return score.astype(np.float32)
