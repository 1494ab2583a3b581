"""Response bodies as Qdrant 1.19 writes them: vector shapes per point, f32 numbers in their
shortest f32 form, scores summed as Qdrant sums them, null fields present, collection info
with ``update_queue`` and ``warnings``."""

from __future__ import annotations

import json

import httpx
import numpy as np
import pytest

from tests.api.qdrant.rest import ok


@pytest.fixture(scope="module")
def mixed(http: httpx.Client) -> str:
    """An unnamed dense vector beside a sparse one; point 1 has only the dense one."""
    name = "shapes_mixed"
    ok(http.put(f"/collections/{name}", json={"vectors": {"size": 4, "distance": "Dot"}, "sparse_vectors": {"s": {}}}))
    points = [
        {"id": 1, "vector": [0.15, 0.2, 0.3, 0.4], "payload": {"k": "a"}},
        {"id": 2, "vector": {"": [0.1, 0.1, 0.1, 0.1], "s": {"indices": [3, 1], "values": [0.7, 0.15]}}},
        {"id": 3, "vector": {"s": {"indices": [1], "values": [0.3]}}},
    ]
    ok(http.put(f"/collections/{name}/points?wait=true", json={"points": points}))
    return name


def test_vector_shape_is_decided_per_point(http: httpx.Client, mixed: str) -> None:
    by_id = {
        p["id"]: p["vector"]
        for p in ok(http.post(f"/collections/{mixed}/points", json={"ids": [1, 2, 3], "with_vector": True}))
    }
    assert by_id[1] == [0.15, 0.2, 0.3, 0.4]  # the unnamed dense vector alone: a plain list
    assert by_id[2] == {"": [0.1, 0.1, 0.1, 0.1], "s": {"indices": [1, 3], "values": [0.15, 0.7]}}
    assert by_id[3] == {"s": {"indices": [1], "values": [0.3]}}

    scroll = ok(http.post(f"/collections/{mixed}/points/scroll", json={"with_vector": True}))
    assert {p["id"]: p["vector"] for p in scroll["points"]} == by_id
    hits = ok(http.post(f"/collections/{mixed}/points/query", json={"query": [1, 0, 0, 0], "with_vector": True}))
    assert {p["id"]: p["vector"] for p in hits["points"]}[1] == [0.15, 0.2, 0.3, 0.4]
    groups = ok(
        http.post(
            f"/collections/{mixed}/points/query/groups",
            json={"query": [1, 0, 0, 0], "group_by": "k", "with_vector": True},
        )
    )
    assert groups["groups"][0]["hits"][0]["vector"] == [0.15, 0.2, 0.3, 0.4]
    rec = http.post(f"/collections/{mixed}/points/recommend", json={"positive": [2], "with_vector": True, "limit": 5})
    assert {p["id"]: p["vector"] for p in ok(rec)}[1] == [0.15, 0.2, 0.3, 0.4]


def test_f32_values_print_in_their_shortest_form(http: httpx.Client, mixed: str) -> None:
    raw = http.post(f"/collections/{mixed}/points", json={"ids": [1, 2], "with_vector": True}).text
    assert "0.15000000596046448" not in raw and "0.30000001192092896" not in raw
    assert '"values":[0.15,0.7]' in raw

    multi = "shapes_multi"
    ok(
        http.put(
            f"/collections/{multi}",
            json={"vectors": {"size": 2, "distance": "Dot", "multivector_config": {"comparator": "max_sim"}}},
        )
    )
    ok(
        http.put(
            f"/collections/{multi}/points?wait=true", json={"points": [{"id": 1, "vector": [[0.1, 0.2], [0.3, 0.7]]}]}
        )
    )
    raw = http.post(f"/collections/{multi}/points/query", json={"query": [[0.1, 0.1]], "with_vector": True}).text
    assert '"vector":[[0.1,0.2],[0.3,0.7]]' in raw
    score = json.loads(raw)["result"]["points"][0]["score"]
    assert repr(score) == repr(float(str(np.float32(0.1) * np.float32(0.3) + np.float32(0.1) * np.float32(0.7))))

    raw = http.post(f"/collections/{mixed}/points/search/matrix/pairs", json={"sample": 2, "limit": 1}).text
    for pair in json.loads(raw)["result"]["pairs"]:
        assert len(repr(pair["score"])) <= 12  # f32 precision, not a widened f64
    offsets = ok(http.post(f"/collections/{mixed}/points/search/matrix/offsets", json={"sample": 2, "limit": 1}))
    assert all(len(repr(s)) <= 12 for s in offsets["scores"])


def _rust_sum(terms: list[np.float32]) -> np.float32:
    acc = np.float32(0.0)
    for t in terms:
        acc = np.float32(acc + t)
    return acc


@pytest.mark.parametrize("distance", ["Dot", "Cosine", "Euclid", "Manhattan"])
def test_small_vectors_score_bit_for_bit_as_qdrant(http: httpx.Client, distance: str) -> None:
    """Below 16 dimensions Qdrant adds one f32 product at a time; Cosine vectors are divided
    by their length unless already of length one."""
    rng = np.random.default_rng(11)
    name = f"bits_{distance.lower()}"
    ok(http.put(f"/collections/{name}", json={"vectors": {"size": 7, "distance": distance}}))
    stored = rng.normal(size=(20, 7)).astype(np.float32)
    points = [{"id": i, "vector": v.tolist()} for i, v in enumerate(stored)]
    ok(http.put(f"/collections/{name}/points?wait=true", json={"points": points}))
    query = rng.normal(size=7).astype(np.float32)
    hits = ok(http.post(f"/collections/{name}/points/query", json={"query": query.tolist(), "limit": 20}))["points"]

    def prepared(v: np.ndarray) -> list[np.float32]:
        vals = [np.float32(x) for x in v]
        if distance != "Cosine":
            return vals
        length = _rust_sum([np.float32(x * x) for x in vals])
        if length < np.float32(1.1920929e-7) or abs(length - np.float32(1.0)) <= np.float32(1e-6):
            return vals
        root = np.sqrt(length)
        return [np.float32(x / root) for x in vals]

    q = prepared(query)
    for hit in hits:
        s = prepared(stored[hit["id"]])
        if distance in ("Dot", "Cosine"):
            expected = _rust_sum([np.float32(a * b) for a, b in zip(s, q)])
        elif distance == "Euclid":
            expected = np.sqrt(_rust_sum([np.float32((a - b) * (a - b)) for a, b in zip(s, q)]))
        else:
            expected = _rust_sum([np.float32(abs(a - b)) for a, b in zip(s, q)])
        assert np.float32(hit["score"]) == expected, (hit, expected)
        assert repr(hit["score"]) == repr(float(str(expected)))


def test_empty_fields_are_sent_as_null(http: httpx.Client, mixed: str) -> None:
    scroll = ok(http.post(f"/collections/{mixed}/points/scroll", json={"limit": 10}))
    assert "next_page_offset" in scroll and scroll["next_page_offset"] is None
    # a point without requested payload or vector: Qdrant leaves both keys out
    assert set(scroll["points"][0]) == {"id", "payload"}
    hits = ok(http.post(f"/collections/{mixed}/points/query", json={"query": [1, 0, 0, 0], "with_payload": False}))
    assert set(hits["points"][0]) == {"id", "version", "score"}

    info = ok(http.get(f"/collections/{mixed}"))
    config = info["config"]
    assert "quantization_config" in config and config["quantization_config"] is None
    opt = config["optimizer_config"]
    for key in ("max_segment_size", "memmap_threshold", "max_optimization_threads"):
        assert key in opt and opt[key] is None
    assert config["wal_config"] == {"wal_capacity_mb": 32, "wal_segments_ahead": 0, "wal_retain_closed": 1}
    assert info["update_queue"] == {"length": 0}
    assert "warnings" not in info  # Qdrant leaves an empty list out


def test_inline_storage_without_quantization_is_a_warning(http: httpx.Client) -> None:
    name = "shapes_warned"
    body = {"vectors": {"size": 4, "distance": "Dot"}, "hnsw_config": {"inline_storage": True}}
    ok(http.put(f"/collections/{name}", json=body))
    info = ok(http.get(f"/collections/{name}"))
    assert len(info["warnings"]) == 1
    assert "inline_storage" in info["warnings"][0]["message"]
    assert "quantization" in info["warnings"][0]["message"]
    assert info["config"]["hnsw_config"]["inline_storage"] is True

    quantized = {**body, "quantization_config": {"scalar": {"type": "int8"}}}
    ok(http.put("/collections/shapes_quiet", json=quantized))
    assert "warnings" not in ok(http.get("/collections/shapes_quiet"))


def test_sparse_scores_add_up_in_f32_as_qdrant(http: httpx.Client) -> None:
    """Products of the shared dimensions, added in f32 in ascending index order."""
    rng = np.random.default_rng(5)
    name = "bits_sparse"
    ok(http.put(f"/collections/{name}", json={"sparse_vectors": {"s": {}}}))
    stored = []
    for _ in range(30):
        idx = sorted(rng.choice(40, size=12, replace=False).tolist())
        stored.append((idx, rng.random(12).astype(np.float32)))
    points = [{"id": i, "vector": {"s": {"indices": idx, "values": v.tolist()}}} for i, (idx, v) in enumerate(stored)]
    ok(http.put(f"/collections/{name}/points?wait=true", json={"points": points}))
    q_idx = sorted(rng.choice(40, size=20, replace=False).tolist())
    q_val = rng.random(20).astype(np.float32)
    body = {"query": {"indices": q_idx, "values": q_val.tolist()}, "using": "s", "limit": 30}
    for hit in ok(http.post(f"/collections/{name}/points/query", json=body))["points"]:
        idx, vals = stored[hit["id"]]
        acc = np.float32(0.0)
        for d in sorted(set(idx) & set(q_idx)):
            acc = np.float32(acc + np.float32(vals[idx.index(d)] * q_val[q_idx.index(d)]))
        assert np.float32(hit["score"]) == acc
        assert repr(hit["score"]) == repr(float(str(acc)))


def test_vectors_config_keeps_the_shape_it_was_given(http: httpx.Client) -> None:
    """Qdrant keeps a single vector config apart from a map of names, even a map whose one
    name is the unnamed vector's "" (LangChain creates those); adding a named vector turns a
    single config into a map, which stays a map."""
    params = {"size": 4, "distance": "Cosine"}

    def vectors(name: str) -> object:
        return ok(http.get(f"/collections/{name}"))["config"]["params"]["vectors"]

    ok(http.put("/collections/shape_single", json={"vectors": params}))
    ok(http.put("/collections/shape_map", json={"vectors": {"": params}}))
    assert vectors("shape_single")["size"] == 4  # type: ignore[index]
    assert set(vectors("shape_map")) == {""}  # type: ignore[arg-type]
    assert vectors("shape_map")[""]["distance"] == "Cosine"  # type: ignore[index]
    # a point of the map-shaped collection still reads back as a plain vector
    ok(http.put("/collections/shape_map/points?wait=true", json={"points": [{"id": 1, "vector": [1, 0, 0, 0]}]}))
    assert ok(http.get("/collections/shape_map/points/1"))["vector"] == [1.0, 0.0, 0.0, 0.0]

    ok(http.put("/collections/shape_single/vectors/extra", json={"dense": {"size": 2, "distance": "Dot"}}))
    assert set(vectors("shape_single")) == {"", "extra"}  # type: ignore[arg-type]
    ok(http.delete("/collections/shape_single/vectors/extra"))
    assert set(vectors("shape_single")) == {""}  # type: ignore[arg-type]
