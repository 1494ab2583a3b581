"""``GET /telemetry?details_level=2``: each collection's shard with its segments, the rows a
graph serves, and per vector how many searches took each of the planner's paths, in Qdrant's
shapes (checked against the OpenAPI document)."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from starlette.testclient import TestClient

from tests import openapi
from vecbase.server.app import create_app
from vecbase.server.settings import Settings


def green(http: TestClient) -> None:
    deadline = time.monotonic() + 30
    while http.get("/collections/t").json()["result"]["status"] != "green":
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_segments_and_search_paths(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    with TestClient(create_app(Settings(storage_path=str(tmp_path / "s")))) as http:
        body = {
            "vectors": {"size": 8, "distance": "Dot"},
            # 64 kB of 8-d floats: the first upsert seals and indexes a segment
            "optimizer_config": {"indexing_threshold": 64},
            "hnsw_config": {"full_scan_threshold": 10},
        }
        assert http.put("/collections/t", json=body).status_code == 200
        points = [{"id": i, "vector": rng.normal(size=8).tolist(), "payload": {"k": i % 50}} for i in range(2100)]
        http.put("/collections/t/points?wait=true", json={"points": points}).raise_for_status()
        green(http)
        # one point into the new appendable segment (too few to fold into the indexed one)
        http.put("/collections/t/points?wait=true", json={"points": [{"id": 5000, "vector": [1.0] * 8}]})
        green(http)
        q = rng.normal(size=8).tolist()
        for _ in range(3):
            http.post("/collections/t/points/query", json={"query": q, "limit": 3}).raise_for_status()
        rare = {"must": [{"key": "k", "match": {"value": 7}}]}
        http.post("/collections/t/points/query", json={"query": q, "filter": rare}).raise_for_status()
        http.post("/collections/t/points/query", json={"query": q, "params": {"exact": True}}).raise_for_status()

        reply = http.get("/telemetry", params={"details_level": 2})
        assert reply.status_code == 200
        openapi.validate("telemetry", 200, reply.json())
        collection = next(c for c in reply.json()["result"]["collections"]["collections"] if c["id"] == "t")
        local = collection["shards"][0]["local"]
        assert local["num_points"] == 2101
        sealed, appendable = local["segments"]
        assert sealed["info"]["segment_type"] == "indexed" and not sealed["info"]["is_appendable"]
        assert sealed["info"]["num_indexed_vectors"] == sealed["info"]["num_points"] == 2100
        assert appendable["info"]["segment_type"] == "plain" and appendable["info"]["is_appendable"]
        assert appendable["info"]["num_points"] == 1 and appendable["info"]["num_indexed_vectors"] == 0
        (graph,) = sealed["vector_index_searches"]
        counts = {k: v["count"] for k, v in graph.items() if k != "index_name"}
        # the graph for unfiltered queries, a scan for the 42-row filter, exact when asked
        assert counts["unfiltered_hnsw"] == 3 and counts["filtered_small_cardinality"] == 1
        assert counts["unfiltered_exact"] == 1 and counts["unfiltered_plain"] == 0
        (plain,) = appendable["vector_index_searches"]
        # no row of the appendable segment passes the filter: nothing to search there
        assert plain["unfiltered_plain"]["count"] == 3 and plain["unfiltered_exact"]["count"] == 1
        assert plain["filtered_plain"]["count"] == plain["filtered_small_cardinality"]["count"] == 0
