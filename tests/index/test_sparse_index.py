"""The sparse inverted index against the per-vector dot product it replaces."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from vecbase.core.points import SparseVector
from vecbase.index.sparse import SparseInvertedIndex, score_sparse


def sparse(rng: np.random.Generator) -> SparseVector | None:
    if rng.random() < 0.2:
        return None
    k = int(rng.integers(0, 6))
    idx = np.sort(rng.choice(20, size=k, replace=False)).astype(np.uint32)
    return SparseVector(idx, rng.normal(size=k).astype(np.float32))


@settings(max_examples=200)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 60))
def test_inverted_index_matches_brute_force(seed: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    items = [sparse(rng) for _ in range(n)]
    query = sparse(rng) or SparseVector(np.array([3], dtype=np.uint32), np.array([1.0], dtype=np.float32))
    allowed = rng.random(n) < 0.7
    offsets, scores = SparseInvertedIndex(items, n).score(query, allowed)
    expected = score_sparse(query, items)
    want = np.nonzero(np.isfinite(expected) & allowed)[0]
    assert offsets.tolist() == want.tolist()
    np.testing.assert_allclose(scores, expected[want], rtol=1e-6, atol=1e-6)
