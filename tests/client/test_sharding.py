"""Custom sharding through the embedded Client, in memory and on disk: qdrant-client's
shard key calls and ``shard_key_selector`` arguments, with the server's behaviour."""

from __future__ import annotations

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
