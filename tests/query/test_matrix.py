"""Distance matrices: each sampled point's nearest other sampled points, whatever the
distance (with Dot a point is not always its own best match), over several segments."""

from __future__ import annotations

import numpy as np
import pytest

from vecbase import Client, models


@pytest.mark.parametrize("distance", [models.Distance.DOT, models.Distance.EUCLID, models.Distance.MANHATTAN])
def test_each_row_holds_the_nearest_other_sampled_points(distance: models.Distance) -> None:
    rng = np.random.default_rng(9)
    vectors = rng.normal(size=(400, 6)).astype(np.float32) * rng.uniform(0.2, 3, size=(400, 1)).astype(np.float32)
    client = Client(":memory:")
    client.create_collection("m", vectors_config=models.VectorParams(size=6, distance=distance))
    for lo in range(0, 400, 100):  # ids in several write batches, UUIDs among them
        ids = [i if i % 3 else f"00000000-0000-0000-0000-{i:012d}" for i in range(lo, lo + 100)]
        client.upsert("m", models.Batch(ids=ids, vectors=vectors[lo : lo + 100].tolist()))
    index = {(i if i % 3 else f"00000000-0000-0000-0000-{i:012d}"): i for i in range(400)}

    def similarity(a: np.ndarray, b: np.ndarray) -> float:
        if distance == models.Distance.DOT:
            return float(a @ b)
        if distance == models.Distance.EUCLID:
            return -float(np.linalg.norm(a - b))
        return -float(np.abs(a - b).sum())

    res = client.search_matrix_offsets("m", sample=50, limit=4)
    assert len(res.ids) == 50 == len(set(res.ids))
    rows: dict[int, list[int]] = {}
    for r, c in zip(res.offsets_row, res.offsets_col):
        rows.setdefault(r, []).append(c)
    for r, cols in rows.items():
        me = vectors[index[res.ids[r]]]
        others = sorted((j for j in range(50) if j != r), key=lambda j: -similarity(me, vectors[index[res.ids[j]]]))
        assert cols == others[:4]
    assert len(rows) == 50
