"""Dense vector scoring: the exact brute-force index (the recall oracle for ANN indexes).

Scores follow Qdrant's conventions: Cosine and Dot are similarities (bigger is better);
Euclid and Manhattan are distances (smaller is better). Cosine vectors are stored
normalised, so Cosine scoring is a dot product with the normalised query.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from vecbase.core.config import Distance

F32 = npt.NDArray[np.float32]
EPSILON = np.float32(1.1920929e-7)
# Qdrant's distance kernels use SIMD from 16 dimensions on; below, they add one product at a
# time in f32, which ``_sequential`` reproduces bit for bit (so small vectors score alike)
SIMD_MIN_DIM = 16


def _sequential(terms: F32) -> F32:
    """Sums along the last axis, one term at a time in f32 (Rust's ``iter().sum()``)."""
    acc = np.zeros(terms.shape[:-1], dtype=np.float32)
    for j in range(terms.shape[-1]):
        acc += terms[..., j]
    return acc


def _squared_norms(vectors: F32) -> F32:
    if vectors.shape[-1] < SIMD_MIN_DIM:
        return _sequential(vectors * vectors)
    return np.einsum("...i,...i->...", vectors, vectors, dtype=np.float32)  # type: ignore[no-any-return]


def normalize(vectors: F32) -> F32:
    """Unit-normalise rows (or a single vector) as Qdrant's Cosine preprocessing does: a row
    whose squared length is zero or already within 1e-6 of one is kept as it is."""
    vectors = np.asarray(vectors, dtype=np.float32)
    lengths = _squared_norms(vectors)
    keep = (lengths < EPSILON) | (np.abs(lengths - np.float32(1.0)) <= np.float32(1e-6))
    divisor = np.where(keep, np.float32(1.0), np.sqrt(lengths)).astype(np.float32)
    return (vectors / divisor[..., np.newaxis]).astype(np.float32)


def prepare_query(query: F32, distance: Distance) -> F32:
    query = np.asarray(query, dtype=np.float32)
    return normalize(query) if distance is Distance.COSINE else query


def score_dense(query: F32, stored: npt.NDArray[np.generic], distance: Distance) -> F32:
    """Scores of ``stored`` vectors (n, dim) against one prepared query (dim,)."""
    vectors: F32 = stored.astype(np.float32, copy=False)
    if vectors.shape[-1] < SIMD_MIN_DIM:
        return _sequential_scores(query.astype(np.float32, copy=False), vectors, distance)
    if distance in (Distance.COSINE, Distance.DOT):
        return vectors @ query
    diff = vectors - query
    if distance is Distance.EUCLID:
        return np.sqrt(np.einsum("ij,ij->i", diff, diff))  # type: ignore[no-any-return]
    return np.abs(diff).sum(axis=1, dtype=np.float32)  # type: ignore[no-any-return]


def _sequential_scores(query: F32, vectors: F32, distance: Distance) -> F32:
    if distance in (Distance.COSINE, Distance.DOT):
        return _sequential(vectors * query)
    diff = vectors - query
    if distance is Distance.EUCLID:
        return np.sqrt(_sequential(diff * diff))
    return _sequential(np.abs(diff))


def max_sim(query: F32, doc: F32, distance: Distance) -> float:
    """Multivector max_sim: for each query row, its best doc row; summed over query rows."""
    if distance in (Distance.COSINE, Distance.DOT):
        sims = query @ doc.T
    else:
        diff = query[:, np.newaxis, :] - doc[np.newaxis, :, :]
        if distance is Distance.EUCLID:
            sims = -np.einsum("ijk,ijk->ij", diff, diff)
        else:
            sims = -np.abs(diff).sum(axis=-1)
    return float(np.sum(np.max(sims, axis=-1)))


def max_sim_score(query: F32, doc: F32, distance: Distance) -> float:
    """max_sim in Qdrant's reported form: Euclid/Manhattan report a (positive) distance."""
    total = max_sim(query, doc, distance)
    if distance is Distance.EUCLID:
        return float(np.sqrt(abs(total)))
    if distance is Distance.MANHATTAN:
        return abs(total)
    return total


def top_k(scores: F32, k: int, smaller_is_better: bool) -> npt.NDArray[np.intp]:
    """Positions of the k best scores, best first."""
    n = scores.shape[0]
    if k <= 0 or n == 0:
        return np.empty(0, dtype=np.intp)
    key = scores if smaller_is_better else -scores
    # ndarray methods: the np.* wrappers add a dispatch layer that costs more than the work here
    if k < n:
        part = key.argpartition(k - 1)[:k]
        return part[key[part].argsort(kind="stable")]
    return key.argsort(kind="stable")
