"""A graph laid out in walk order is the same graph with renumbered rows: every search gives
the same neighbours and scores, through the new row numbers."""

from __future__ import annotations

import numpy as np
import pytest

from vecbase.core.config import Distance
from vecbase.index.hnsw import HnswIndex

DIM = 24


def clustered(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(20, DIM)) * 4
    return (centers[rng.integers(0, 20, size=n)] + rng.normal(size=(n, DIM))).astype(np.float32)


@pytest.mark.parametrize("distance", [Distance.EUCLID, Distance.COSINE, Distance.DOT])
def test_laid_out_graph_answers_as_before_through_the_order(distance: Distance) -> None:
    rows = clustered(3000, 1)
    if distance is Distance.COSINE:
        rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    before = HnswIndex.build(rows, distance, 16, 64)
    after = HnswIndex.build(rows, distance, 16, 64)
    order = after.walk_order()
    assert order is not None
    assert sorted(order.tolist()) == list(range(3000))  # a permutation of the rows
    assert order.tolist() != list(range(3000))
    after.lay_out(order)
    queries = clustered(20, 2)
    for q in queries:
        old_ids, old_scores = before.search(q, 10, 32, None)
        new_ids, new_scores = after.search(q, 10, 32, None)
        assert order[new_ids].tolist() == old_ids.tolist()
        np.testing.assert_allclose(new_scores, old_scores, rtol=1e-5)
    if distance is not Distance.DOT:
        # the graph's stored rows moved with the links: row i is the old row order[i]
        stored = after.stored_vectors()
        assert stored is not None
        np.testing.assert_array_equal(stored, rows[order])


def test_filtered_search_of_laid_out_graph_uses_new_row_numbers() -> None:
    rows = clustered(2000, 3)
    graph = HnswIndex.build(rows, Distance.EUCLID, 16, 64)
    order = graph.walk_order()
    assert order is not None
    graph.lay_out(order)
    laid = rows[order]
    allowed = np.zeros(2000, dtype=bool)
    allowed[::3] = True  # in new row numbers
    q = clustered(1, 4)[0]
    ids, _ = graph.search(q, 10, 200, allowed)
    assert allowed[ids].all()
    exact = np.argsort(((laid[allowed] - q) ** 2).sum(axis=1))[:10]
    assert set(ids.tolist()) == set(np.nonzero(allowed)[0][exact].tolist())


def test_unlinked_rows_come_last_and_binary_graphs_keep_their_order() -> None:
    one = HnswIndex.build(clustered(1, 5), Distance.EUCLID, 16, 64)
    order = one.walk_order()
    assert order is not None and order.tolist() == [0]
    binary = HnswIndex.build(clustered(500, 6), Distance.COSINE, 16, 64, {"binary": {}})
    assert binary.kind == "binary" and binary.walk_order() is None
    with pytest.raises(ValueError):
        binary.lay_out(np.arange(500))


def test_quantized_graphs_are_laid_out_with_their_codes() -> None:
    rows = clustered(3000, 7)
    before = HnswIndex.build(rows, Distance.EUCLID, 16, 64, {"scalar": {"type": "int8"}})
    after = HnswIndex.build(rows, Distance.EUCLID, 16, 64, {"scalar": {"type": "int8"}})
    assert after.kind == "scalar"
    order = after.walk_order()
    assert order is not None
    after.lay_out(order)
    for q in clustered(10, 8):
        assert order[after.search(q, 10, 32, None)[0]].tolist() == before.search(q, 10, 32, None)[0].tolist()
