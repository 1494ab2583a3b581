"""The HNSW index against its exact twin: recall on clustered data, bitmaps, every distance."""

from __future__ import annotations

import numpy as np
import pytest

from vecbase.core.config import Distance
from vecbase.index.dense import SIMD_MIN_DIM, normalize, prepare_query, score_dense, top_k
from vecbase.index.hnsw import HnswIndex, exact_top


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


@pytest.mark.parametrize("distance", [Distance.EUCLID, Distance.COSINE, Distance.DOT])
def test_exact_top_matches_the_exact_twin(distance: Distance) -> None:
    data = clustered(2000, 16, 5)
    stored = normalize(data) if distance is Distance.COSINE else data
    rng = np.random.default_rng(7)
    smaller = distance is Distance.EUCLID
    for _ in range(20):
        offsets = np.sort(rng.choice(2000, size=int(rng.integers(1, 300)), replace=False)).astype(np.int64)
        q = prepare_query(rng.normal(size=16).astype(np.float32), distance)
        top = exact_top(q, stored, offsets, 10, distance)
        assert top is not None
        scores = score_dense(q, stored[offsets], distance)
        best = top_k(scores, 10, smaller)
        assert top[0].tolist() == offsets[best].tolist()
        np.testing.assert_allclose(top[1], scores[best], rtol=1e-4, atol=1e-4)


def test_exact_top_orders_equal_scores_by_offset() -> None:
    dim = SIMD_MIN_DIM  # faiss's kernels serve 16 dimensions and more
    rows = np.zeros((50, dim), dtype=np.float32)
    rows[::3] = 1.0  # offsets 0, 3, 6, ... tie at one score, the rest at another
    offsets = np.arange(50, dtype=np.int64)
    near, _ = exact_top(np.zeros(dim, np.float32), rows, offsets, 5, Distance.EUCLID) or (None, None)
    assert near is not None and near.tolist() == [1, 2, 4, 5, 7]
    best, scores = exact_top(np.ones(dim, np.float32), rows, offsets, 5, Distance.DOT) or (None, None)
    assert best is not None and best.tolist() == [0, 3, 6, 9, 12] and scores.tolist() == [float(dim)] * 5
    assert exact_top(np.zeros(dim, np.float32), rows, offsets, 5, Distance.MANHATTAN) is None
    # below 16 dimensions scores are summed term by term as Qdrant does: no faiss kernel
    assert exact_top(np.zeros(4, np.float32), rows[:, :4].copy(), offsets, 5, Distance.EUCLID) is None


def test_exact_top_breaks_ties_as_a_stable_sort() -> None:
    """Many equal scores at random cut-offs. Distances: the kept points and their order are
    those of a stable sort by score (lower offsets first). Inner products: the same scores,
    equal scores in ascending offsets (which of the points tied at the cut-off is kept is
    not defined, in Qdrant either)."""
    rng = np.random.default_rng(7)
    rows = rng.integers(0, 2, size=(400, SIMD_MIN_DIM)).astype(np.float32)  # few distinct rows: ties
    for distance in (Distance.EUCLID, Distance.DOT):
        for _ in range(50):
            offsets = np.sort(rng.choice(400, size=int(rng.integers(1, 200)), replace=False)).astype(np.int64)
            q = rng.integers(0, 2, size=SIMD_MIN_DIM).astype(np.float32)
            k = int(rng.integers(1, 30))
            top = exact_top(q, rows, offsets, k, distance)
            assert top is not None
            scores = score_dense(q, rows[offsets], distance)
            key = scores if distance is Distance.EUCLID else -scores
            stable = np.argsort(key, kind="stable")[:k]
            np.testing.assert_allclose(top[1], scores[stable], rtol=1e-6)
            if distance is Distance.EUCLID:
                assert top[0].tolist() == offsets[stable].tolist()
            got = list(zip(top[1].tolist(), top[0].tolist()))
            assert all(a[1] < b[1] for a, b in zip(got, got[1:]) if a[0] == b[0])
