"""Custom sharding through the embedded Client, in memory and on disk: qdrant-client's
shard key calls and ``shard_key_selector`` arguments, with the server's behaviour."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from vecbase import Client
from vecbase.api.qdrant import models as m
from vecbase.core.errors import BadRequestError


def point(i: int, tenant: str) -> m.PointStruct:
    return m.PointStruct(id=i, vector=[float(i), 1.0], payload={"tenant": tenant})


@pytest.mark.parametrize("on_disk", [False, True])
def test_tenants_by_shard_key(tmp_path: Path, on_disk: bool) -> None:
    client = Client(path=str(tmp_path)) if on_disk else Client(":memory:")
    client.create_collection(
        "t", vectors_config=m.VectorParams(size=2, distance=m.Distance.DOT), sharding_method=m.ShardingMethod.CUSTOM
    )
    for key in ("acme", "globex"):
        assert client.create_shard_key("t", key)
    client.upload_points("t", [point(i, "acme") for i in range(5)], shard_key_selector="acme", wait=True)
    client.upsert("t", [point(i, "globex") for i in range(10, 13)], shard_key_selector="globex")
    with pytest.raises(BadRequestError, match="Shard key not specified"):
        client.upsert("t", [point(99, "none")])

    hits = client.query_points("t", query=[1.0, 0.0], shard_key_selector="globex").points
    assert [(h.id, h.shard_key) for h in hits] == [(12, "globex"), (11, "globex"), (10, "globex")]
    assert client.count("t", shard_key_selector="acme").count == 5
    assert client.count("t").count == 8
    flt = m.Filter(must=[m.FieldCondition(key="tenant", match=m.MatchValue(value="acme"))])
    client.delete("t", m.FilterSelector(filter=flt), shard_key_selector="acme")
    assert client.count("t").count == 3
    client.clear_payload("t", [10], shard_key_selector="globex")
    assert client.retrieve("t", [10])[0].payload == {}

    if on_disk:
        client.close()
        client = Client(path=str(tmp_path))
    keys = client.list_shard_keys("t").shard_keys
    assert keys is not None and [k.key for k in keys] == ["acme", "globex"]
    assert [(r.id, r.shard_key) for r in client.scroll("t")[0]] == [(10, "globex"), (11, "globex"), (12, "globex")]
    assert client.delete_shard_key("t", "globex")
    assert client.count("t").count == 0
    with pytest.raises(BadRequestError, match="Shard key globex not found"):
        client.count("t", shard_key_selector="globex")
    client.close()


def test_random_operations_match_a_model_of_independent_shards() -> None:
    """Each shard key as its own map of points: random writes with random selectors, and
    every shard's contents compared with the model after each step."""
    rng = random.Random(7)
    client = Client(":memory:")
    client.create_collection(
        "r", vectors_config=m.VectorParams(size=2, distance=m.Distance.DOT), sharding_method=m.ShardingMethod.CUSTOM
    )
    model: dict[object, dict[int, dict[str, int]]] = {}
    pool: list[object] = ["a", "b", 1, 2, "1"]
    for step in range(300):
        live = list(model)
        action = rng.random()
        if action < 0.1 or not live:
            key = rng.choice(pool)
            if key in model:
                with pytest.raises(BadRequestError, match="already exists"):
                    client.create_shard_key("r", key)
            else:
                client.create_shard_key("r", key)
                model[key] = {}
        elif action < 0.15:
            key = rng.choice(live)
            client.delete_shard_key("r", key)
            del model[key]
        else:
            targets = rng.sample(live, rng.randint(1, len(live)))
            selector: object = targets[0] if len(targets) == 1 else targets
            ids = rng.sample(range(20), 3)
            if action < 0.6:
                points = [m.PointStruct(id=i, vector=[1.0, float(i)], payload={"s": step}) for i in ids]
                client.upsert("r", points, shard_key_selector=selector)
                for key in targets:
                    model[key].update({i: {"s": step} for i in ids})
            elif action < 0.8:
                client.delete("r", m.PointIdsList(points=ids), shard_key_selector=selector)
                for key in targets:
                    for i in ids:
                        model[key].pop(i, None)
            else:
                flt = m.Filter(must=[m.FieldCondition(key="s", range=m.Range(lt=step // 2))])
                client.set_payload("r", {"s": step}, points=flt, shard_key_selector=selector)
                for key in targets:
                    for payload in model[key].values():
                        if payload["s"] < step // 2:
                            payload["s"] = step
        for key, points in model.items():
            records, _ = client.scroll("r", limit=100, shard_key_selector=key)
            assert {r.id: r.payload for r in records} == points, (step, key)
            assert {r.shard_key for r in records} <= {key}
        assert client.count("r").count == sum(len(p) for p in model.values())
        hits = client.query_points("r", query=[0.0, 1.0], limit=100).points
        assert {h.id for h in hits} == {i for p in model.values() for i in p}
    client.close()
