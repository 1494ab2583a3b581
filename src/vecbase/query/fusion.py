"""Fusion of ranked result lists: the operations hybrid (text + vector) retrieval combines
its prefetches with, in the conventions of Qdrant, Elasticsearch / AnalyticDB and Yandex.

Every function takes ``sources``, each a list of ``(key, score)`` best first, and returns
one list of ``(key, fused score)``, best first; equal fused scores keep the order in which
the keys were first met (the first source first). A key missing from a source contributes
nothing from it, unless a function says otherwise.
"""

from __future__ import annotations

import math
from typing import Hashable, Mapping, Sequence, TypeVar

K = TypeVar("K", bound=Hashable)
Ranked = Sequence[tuple[K, float]]


def _ordered(scores: dict[K, float]) -> list[tuple[K, float]]:
    # sorted() is stable: ties stay in first-met order
    return sorted(scores.items(), key=lambda kv: kv[1], reverse=True)


def _weights(weights: Sequence[float] | None, n: int) -> list[float]:
    if weights is None:
        return [1.0] * n
    if len(weights) != n:
        raise ValueError(f"{len(weights)} weights for {n} sources")
    return [float(w) for w in weights]


def rrf(
    sources: Sequence[Ranked[K]], k: float = 2.0, weights: Sequence[float] | None = None, one_based: bool = False
) -> list[tuple[K, float]]:
    """Reciprocal rank fusion.

    Qdrant's convention (``one_based=False``, default ``k = 2``): a key at 0-based rank ``r``
    of source ``i`` with weight ``w_i`` scores ``1 / ((r + 1) / w_i + k - 1)``, i.e.
    ``1 / (r + k)`` unweighted (the best of a source: ``1 / k``); a weight <= 0 mutes the
    source. Elasticsearch / AnalyticDB / Yandex (``one_based=True``, usually ``k = 60``): a
    key at 1-based rank ``r`` scores ``w_i / (k + r)`` (the best: ``w_i / (k + 1)``). The
    fused score is the sum over sources.
    """
    w = _weights(weights, len(sources))
    scores: dict[K, float] = {}
    for source, weight in zip(sources, w):
        for r, (key, _) in enumerate(source):
            if one_based:
                s = weight / (k + r + 1)
            else:
                s = 0.0 if weight <= 0 else 1.0 / ((r + 1.0) / weight + k - 1.0)
            scores[key] = scores.get(key, 0.0) + s
    return _ordered(scores)


def normalize(source: Ranked[K], method: str) -> dict[K, float]:
    """One source's scores, normalised: ``min_max`` maps ``[min, max]`` to ``[0, 1]``
    (``(s - min) / (max - min)``; every score 1.0 when all are equal), ``l2`` divides by the
    Euclidean norm of the scores (``s / sqrt(sum(s^2))``; 0 when the norm is 0), ``dbsf``
    (distribution-based, as Qdrant's DBSF) maps ``[mean - 3 std, mean + 3 std]`` to ``[0, 1]``
    (``(s - (mean - 3 std)) / (6 std)`` clipped to ``[0, 1]``, ``std`` the sample standard
    deviation; 0.5 for a single score or when all are equal), ``none`` keeps them."""
    scores = {key: float(s) for key, s in source}
    if not scores or method == "none":
        return scores
    values = list(scores.values())
    if method == "min_max":
        low, high = min(values), max(values)
        if high == low:
            return dict.fromkeys(scores, 1.0)
        return {key: (s - low) / (high - low) for key, s in scores.items()}
    if method == "dbsf":
        if len(values) < 2:
            return dict.fromkeys(scores, 0.5)
        mean = sum(values) / len(values)
        std = math.sqrt(sum((s - mean) ** 2 for s in values) / (len(values) - 1))
        if std == 0:
            return dict.fromkeys(scores, 0.5)
        low = mean - 3 * std
        return {key: min(1.0, max(0.0, (s - low) / (6 * std))) for key, s in scores.items()}
    if method == "l2":
        norm = math.sqrt(sum(s * s for s in values))
        return {key: (s / norm if norm else 0.0) for key, s in scores.items()}
    raise ValueError(f"unknown normalisation {method!r}: expected min_max, dbsf, l2 or none")


def score_fusion(
    sources: Sequence[Ranked[K]],
    weights: Sequence[float] | None = None,
    normalization: str = "min_max",
    combination: str = "sum",
) -> list[tuple[K, float]]:
    """Fusion of normalised scores (see ``normalize``); with ``n_i`` a key's normalised score
    in source ``i`` (0 where the source lacks the key) and ``w_i`` its weight:

    - ``sum`` (weighted linear fusion): ``sum(w_i * n_i)``;
    - ``arithmetic`` mean: ``sum(w_i * n_i) / sum(w_i)``;
    - ``geometric`` mean: ``prod(n_i ** (w_i / sum(w_i)))`` (0 if any ``n_i`` is 0);
    - ``harmonic`` mean: ``sum(w_i) / sum(w_i / n_i)`` (0 if any ``n_i`` is 0).
    """
    w = _weights(weights, len(sources))
    total = sum(w)
    normed = [normalize(source, normalization) for source in sources]
    keys: dict[K, None] = {}
    for source in sources:
        for key, _ in source:
            keys.setdefault(key, None)
    fused: dict[K, float] = {}
    for key in keys:
        parts = [(weight, n.get(key, 0.0)) for weight, n in zip(w, normed)]
        if combination == "sum":
            fused[key] = sum(weight * s for weight, s in parts)
        elif combination == "arithmetic":
            fused[key] = sum(weight * s for weight, s in parts) / total if total else 0.0
        elif combination == "geometric":
            if any(s <= 0 for weight, s in parts if weight):
                fused[key] = 0.0
            else:
                fused[key] = math.prod(s ** (weight / total) for weight, s in parts if weight)
        elif combination == "harmonic":
            if any(s <= 0 for weight, s in parts if weight):
                fused[key] = 0.0
            else:
                fused[key] = total / sum(weight / s for weight, s in parts if weight)
        else:
            raise ValueError(f"unknown combination {combination!r}: expected sum, arithmetic, geometric or harmonic")
    return _ordered(fused)


def cascade(candidates: Ranked[K], scores: Mapping[K, float], limit: int | None = None) -> list[tuple[K, float]]:
    """Cascaded search: the first stage's candidates (text search) in the order of the second
    stage's scores (vector similarity, bigger is better), best first, each with its
    second-stage score; candidates the second stage did not score are dropped."""
    kept = {key: float(scores[key]) for key, _ in candidates if key in scores}
    ranked = _ordered(kept)
    return ranked if limit is None else ranked[:limit]
