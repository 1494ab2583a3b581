"""Sparse vector scoring: exact dot product over the overlapping indices, and IDF weights."""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import numpy.typing as npt

from vecbase.core.points import SparseVector


def sparse_dot(query: SparseVector, vector: SparseVector) -> float | None:
    """Dot product, or None when the two vectors share no index (Qdrant drops such points)."""
    common, qi, vi = np.intersect1d(query.indices, vector.indices, assume_unique=True, return_indices=True)
    if common.shape[0] == 0:
        return None
    return float(np.dot(query.values[qi].astype(np.float64), vector.values[vi].astype(np.float64)))


def score_sparse(query: SparseVector, vectors: Sequence[SparseVector | None]) -> npt.NDArray[np.float32]:
    """Scores per position; -inf where a vector is missing or has no index in common."""
    out = np.full(len(vectors), -np.inf, dtype=np.float32)
    wanted = set(query.indices.tolist())
    for i, vector in enumerate(vectors):
        if vector is None or not wanted.intersection(vector.indices.tolist()):
            continue
        score = sparse_dot(query, vector)
        if score is not None:
            out[i] = score
    return out


def idf(document_frequency: int, documents: int) -> float:
    """BM25-style inverse document frequency, as Qdrant's `idf` modifier computes it."""
    return math.log((documents - document_frequency + 0.5) / (document_frequency + 0.5) + 1.0)


def apply_idf(query: SparseVector, frequencies: dict[int, int], documents: int) -> SparseVector:
    weights = np.array([idf(frequencies.get(int(i), 0), documents) for i in query.indices.tolist()], dtype=np.float32)
    return SparseVector(indices=query.indices, values=(query.values * weights).astype(np.float32))
