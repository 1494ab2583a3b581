"""The HNSW index against its exact twin: recall on clustered data, bitmaps, every distance."""

from __future__ import annotations

import numpy as np
import pytest

from vecbase.core.config import Distance
from vecbase.index.dense import normalize, prepare_query, score_dense, top_k
from vecbase.index.hnsw import HnswIndex


def clustered(n: int, dim: int, seed: int) -> np.ndarray:
    """A mixture of Gaussian clusters in a low-rank subspace, plus noise."""
    rng = np.random.default_rng(seed)
    basis = rng.normal(size=(16, dim))
    centers = rng.normal(size=(40, 16)) * 4
    labels = rng.integers(0, 40, size=n)
    low = centers[labels] + rng.normal(size=(n, 16))
    return (low @ basis + rng.normal(scale=0.5, size=(n, dim))).astype(np.float32)


@pytest.mark.parametrize("distance", list(Distance))
def test_recall_against_exact(distance: Distance) -> None:
    both = clustered(5050, 32, 1)  # queries from the same distribution as the data
    data, queries = both[:5000], both[5000:]
    stored = normalize(data) if distance is Distance.COSINE else data
    index = HnswIndex.build(stored, distance, m=16, ef_construct=100)
    smaller = distance in (Distance.EUCLID, Distance.MANHATTAN)
    found = 0
    for q in queries:
        pq = prepare_query(q, distance)
        exact = top_k(score_dense(pq, stored, distance), 10, smaller)
        offsets, scores = index.search(pq, 10, ef=100, allowed=None)  # Qdrant: hnsw_ef defaults to ef_construct
        found += len(set(exact.tolist()) & set(offsets.tolist()))
        # scores are in Qdrant's convention, equal to the exact twin's for the same rows
        np.testing.assert_allclose(scores, score_dense(pq, stored[offsets], distance), rtol=1e-3, atol=1e-3)
    assert found / (10 * len(queries)) >= 0.95


def test_bitmap_filter_and_roundtrip() -> None:
    data = clustered(3000, 16, 3)
    index = HnswIndex.build(data, Distance.EUCLID, m=16, ef_construct=64)
    allowed = np.zeros(3000, dtype=bool)
    allowed[::3] = True
    offsets, _ = index.search(data[1], 20, ef=128, allowed=allowed)
    assert len(offsets) == 20 and all(o % 3 == 0 for o in offsets)
    copy = HnswIndex.from_bytes(index.to_bytes(), Distance.EUCLID)
    again, _ = copy.search(data[1], 20, ef=128, allowed=allowed)
    assert again.tolist() == offsets.tolist()
    nothing, _ = index.search(data[1], 5, ef=16, allowed=np.zeros(3000, dtype=bool))
    assert nothing.size == 0
