"""Field aliases Qdrant's REST API accepts beyond its OpenAPI document (``#[serde(alias)]``
in Qdrant 1.19's source): each one takes effect, none is silently dropped."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.qdrant.rest import ok

C = "/collections/aliased"


@pytest.fixture(scope="module", autouse=True)
def _collection(http: httpx.Client) -> None:
    ok(http.put(C, json={"vectors": {"size": 3, "distance": "Dot"}, "sparse_vectors": {"s": {}}}))
    points = [
        {
            "id": i,
            "vectors": {"": [1.0, float(i), 0.0], "s": {"indices": [i], "values": [1.0]}},
            "payload": {"g": i % 2},
        }
        for i in range(1, 6)
    ]
    ok(http.put(C + "/points?wait=true", json={"points": points}))


def test_point_vectors_alias(http: httpx.Client) -> None:
    rec = ok(http.get(C + "/points/3"))
    assert rec["payload"] == {"g": 1}
    got = ok(http.post(C + "/points", json={"ids": [3], "with_vectors": True}))[0]
    assert got["vector"] == {"": [1.0, 3.0, 0.0], "s": {"indices": [3], "values": [1.0]}}


@pytest.mark.parametrize(
    ("path", "body", "pick"),
    [
        ("/points/query", {"query": [1, 0, 0]}, lambda r: r["points"]),
        ("/points/search", {"vector": [1, 0, 0], "limit": 2}, lambda r: r),
        ("/points/recommend", {"positive": [1], "limit": 2}, lambda r: r),
        ("/points/discover", {"target": 1, "limit": 2}, lambda r: r),
        ("/points/scroll", {"limit": 2}, lambda r: r["points"]),
        ("/points", {"ids": [1, 2]}, lambda r: r),
        ("/points/query/groups", {"query": [1, 0, 0], "group_by": "g"}, lambda r: r["groups"][0]["hits"]),
        (
            "/points/search/groups",
            {"vector": [1, 0, 0], "group_by": "g", "limit": 2, "group_size": 1},
            lambda r: r["groups"][0]["hits"],
        ),
        (
            "/points/recommend/groups",
            {"positive": [1], "group_by": "g", "limit": 2, "group_size": 1},
            lambda r: r["groups"][0]["hits"],
        ),
    ],
)
def test_with_vectors_alias(http: httpx.Client, path: str, body: dict[str, Any], pick: Any) -> None:
    points = pick(ok(http.post(C + path, json={**body, "with_vectors": True})))
    assert points and all(p.get("vector") for p in points), points
    points = pick(ok(http.post(C + path, json={**body, "with_vector": True})))
    assert points and all(p.get("vector") for p in points), points
    points = pick(ok(http.post(C + path, json=body)))
    assert all("vector" not in p for p in points)


def test_with_vector_inside_with_lookup(http: httpx.Client) -> None:
    body = {"query": [1, 0, 0], "group_by": "g", "with_lookup": {"collection": "aliased", "with_vector": True}}
    groups = ok(http.post(C + "/points/query/groups", json=body))["groups"]
    looked_up = [g["lookup"] for g in groups if g["id"] == 1]  # group ids are 0 and 1: point 1 exists
    assert looked_up and looked_up[0]["vector"] == {"": [1.0, 1.0, 0.0], "s": {"indices": [1], "values": [1.0]}}


def test_top_alias_for_limit(http: httpx.Client) -> None:
    assert len(ok(http.post(C + "/points/search", json={"vector": [1, 0, 0], "top": 2}))) == 2
    assert len(ok(http.post(C + "/points/recommend", json={"positive": [1], "top": 3}))) == 3
    assert len(ok(http.post(C + "/points/discover", json={"target": 1, "top": 1}))) == 1


def test_vectors_alias_in_update_and_delete_vectors(http: httpx.Client) -> None:
    body = {"points": [{"id": 4, "vectors": {"": [0.0, 0.0, 1.0]}}]}
    ok(http.put(C + "/points/vectors?wait=true", json=body))
    assert ok(http.post(C + "/points", json={"ids": [4], "with_vector": [""]}))[0]["vector"] == [0.0, 0.0, 1.0]
    ok(http.post(C + "/points/vectors/delete?wait=true", json={"points": [4], "vectors": ["s"]}))
    assert ok(http.post(C + "/points", json={"ids": [4], "with_vector": True}))[0]["vector"] == [0.0, 0.0, 1.0]


def test_collection_setting_aliases(http: httpx.Client) -> None:
    body = {
        "vectors": {"size": 4, "distance": "Cosine", "quantization": {"scalar": {"type": "int8", "quantile": 0.9}}},
        "quantization": {"binary": {}},
        "optimizer_config": {"indexing_threshold_kb": 1234, "max_segment_size_kb": 50000, "memmap_threshold_kb": 777},
        "hnsw_config": {"full_scan_threshold_kb": 4321},
    }
    ok(http.put("/collections/aliased_settings", json=body))
    config = ok(http.get("/collections/aliased_settings"))["config"]
    assert config["params"]["vectors"]["quantization_config"] == {"scalar": {"type": "int8", "quantile": 0.9}}
    assert config["quantization_config"] == {"binary": {}}
    assert config["optimizer_config"]["indexing_threshold"] == 1234
    assert config["optimizer_config"]["max_segment_size"] == 50000
    assert config["optimizer_config"]["memmap_threshold"] == 777
    assert config["hnsw_config"]["full_scan_threshold"] == 4321

    patch = {"optimizer_config": {"indexing_threshold_kb": 99}, "quantization": {"scalar": {"type": "int8"}}}
    ok(http.patch("/collections/aliased_settings", json=patch))
    config = ok(http.get("/collections/aliased_settings"))["config"]
    assert config["optimizer_config"]["indexing_threshold"] == 99
    assert config["quantization_config"] == {"scalar": {"type": "int8"}}


def test_field_type_alias_for_field_schema(http: httpx.Client) -> None:
    ok(http.put(C + "/index?wait=true", json={"field_name": "g", "field_type": "integer"}))
    schema = ok(http.get(C))["payload_schema"]
    assert schema["g"]["data_type"] == "integer"
