"""Grouped queries read a prefix of the ranking, widened until it decides the answer: the
groups are those of grouping the whole ranking, also when a group's later hits lie deep in
it, and a query is not answered by ranking every point when a short prefix decides it."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from vecbase import Client, models
from vecbase.query import groups as groups_module

N = 3000


def whole_ranking_groups(
    vectors: np.ndarray, tags: list[list[Any]], q: np.ndarray, limit: int, size: int
) -> list[tuple[Any, list[int]]]:
    order = np.argsort(-(vectors @ q), kind="stable")
    out: dict[Any, list[int]] = {}
    for i in order.tolist():
        for tag in dict.fromkeys(tags[i]):
            hits = out.setdefault(tag, [])
            if len(hits) < size:
                hits.append(i)
    return list(out.items())[:limit]


@pytest.fixture(scope="module")
def collection() -> tuple[Client, np.ndarray, list[list[Any]]]:
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(N, 8)).astype(np.float32)
    # "rare" has five members among 3,000: after its best hit, the others are far down
    tags: list[list[Any]] = [[f"g{i % 40}"] if i % 600 else ["rare", i % 3] for i in range(N)]
    client = Client(":memory:")
    client.create_collection("g", vectors_config=models.VectorParams(size=8, distance=models.Distance.DOT))
    client.upsert("g", models.Batch(ids=list(range(N)), vectors=vectors.tolist(), payloads=[{"t": t} for t in tags]))
    return client, vectors, tags


@pytest.mark.parametrize("limit,size", [(1, 1), (3, 2), (10, 3), (45, 5)])
def test_groups_are_those_of_the_whole_ranking(collection: Any, limit: int, size: int) -> None:
    client, vectors, tags = collection
    for seed in range(6):
        q = vectors[seed * 500] + np.random.default_rng(seed).normal(scale=0.1, size=8).astype(np.float32)
        got = client.query_points_groups("g", group_by="t", query=q, limit=limit, group_size=size)
        assert [(g.id, [h.id for h in g.hits]) for g in got.groups] == whole_ranking_groups(
            vectors, tags, q, limit, size
        )


def test_a_short_prefix_answers_without_ranking_everything(collection: Any, monkeypatch: Any) -> None:
    client, vectors, _ = collection
    asked: list[int] = []
    run = groups_module.run

    def counting(segments: Any, config: Any, node: Any, *rest: Any) -> Any:
        asked.append(node.limit)
        return run(segments, config, node, *rest)

    monkeypatch.setattr(groups_module, "run", counting)
    client.query_points_groups("g", group_by="t", query=vectors[7], limit=5, group_size=2)
    assert asked[0] == 64 and max(asked) < N  # never the whole ranking
