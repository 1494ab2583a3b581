"""Sparse vector scoring: exact dot product over the overlapping indices, and IDF weights.

Scores add up in f32, one dimension at a time in ascending index order, as Qdrant's do, so
they agree with Qdrant's to the last bit."""

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
    terms = query.values[qi].astype(np.float32) * vector.values[vi].astype(np.float32)
    return float(np.cumsum(terms, dtype=np.float32)[-1])  # cumsum adds in order, as Qdrant


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


class SparseInvertedIndex:
    """Postings as arrays: for every sparse dimension, the offsets holding it and their values.

    Scoring a query touches only the postings of its dimensions (vectorised adds), so the
    cost follows the query's dimensions' posting lengths, not the number of points."""

    def __init__(self, items: Sequence[SparseVector | None], n: int) -> None:
        # points holding the vector (an empty one included): the IDF's document count
        self.holders = np.fromiter((v is not None for v in items[:n]), dtype=bool, count=min(n, len(items)))
        present = [(off, v) for off, v in enumerate(items[:n]) if v is not None and v.indices.size]
        self.n = n
        if not present:
            self.dims = np.zeros(0, dtype=np.int64)
            self.starts = np.zeros(1, dtype=np.int64)
            self.offsets = np.zeros(0, dtype=np.int64)
            self.values = np.zeros(0, dtype=np.float32)
            return
        dims = np.concatenate([v.indices.astype(np.int64) for _, v in present])
        offsets = np.concatenate([np.full(v.indices.size, off, dtype=np.int64) for off, v in present])
        values = np.concatenate([v.values.astype(np.float32) for _, v in present])
        order = np.argsort(dims, kind="stable")
        dims, self.offsets, self.values = dims[order], offsets[order], values[order]
        self.dims, first = np.unique(dims, return_index=True)
        self.starts = np.append(first, dims.size).astype(np.int64)

    def document_frequencies(self, dims: Sequence[int], allowed: npt.NDArray[np.bool_]) -> list[int]:
        """For each dimension, how many allowed points hold it (a posting-length count)."""
        pos = np.searchsorted(self.dims, np.asarray(dims, dtype=np.int64))
        if allowed[: self.n].all():  # no filter, no deletion: the posting lengths
            found = pos < self.dims.size
            safe = np.where(found, pos, 0)
            found &= self.dims[safe] == np.asarray(dims, dtype=np.int64) if self.dims.size else False
            lengths = self.starts[safe + 1] - self.starts[safe] if self.dims.size else np.zeros(len(dims), np.int64)
            return [int(x) for x in np.where(found, lengths, 0).tolist()]
        out = []
        for p, d in zip(pos.tolist(), dims):
            if p >= self.dims.size or self.dims[p] != d:
                out.append(0)
                continue
            offs = self.offsets[int(self.starts[p]) : int(self.starts[p + 1])]
            out.append(int(np.count_nonzero(allowed[offs])))
        return out

    def score(
        self, query: SparseVector, allowed: npt.NDArray[np.bool_]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
        """Offsets of allowed points sharing at least one dimension with ``query``, and their dot products."""
        acc = np.zeros(self.n, dtype=np.float32)
        touched = np.zeros(self.n, dtype=bool)
        pos = np.searchsorted(self.dims, query.indices.astype(np.int64))
        for p, qi, qv in zip(pos.tolist(), query.indices.tolist(), query.values.astype(np.float32)):
            if p >= self.dims.size or self.dims[p] != qi:
                continue
            sl = slice(int(self.starts[p]), int(self.starts[p + 1]))
            offs = self.offsets[sl]
            acc[offs] += qv * self.values[sl]
            touched[offs] = True
        hits = np.nonzero(touched & allowed[: self.n])[0].astype(np.int64)
        return hits, acc[hits]
