"""Every REST operation of Qdrant 1.19 (and the 8 legacy 1.18 ones) over HTTP, each response
body validated against the spec's schema for the status it came with."""

from __future__ import annotations

import hashlib
import io
import tarfile
import time
from pathlib import Path
from typing import Any, Callable

import httpx
import pytest

from tests import openapi
from tests.live_server import Server

LEGACY = {
    "search_points",
    "search_batch_points",
    "search_point_groups",
    "recommend_points",
    "recommend_batch_points",
    "recommend_point_groups",
    "discover_points",
    "discover_batch_points",
}
C = "/collections/api"
P = C + "/points"


class Driver:
    def __init__(self, base: str) -> None:
        self.http = httpx.Client(base_url=base, timeout=30)
        self.covered: set[str] = set()

    def call(
        self,
        op: str,
        path: str,
        body: Any = None,
        status: int = 200,
        params: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        legacy = op in LEGACY
        method, template = openapi.operations(legacy)[op]
        response = self.http.request(method, path, json=body, params=params, **kwargs)
        assert response.status_code == status, f"{op} {method} {path}: {response.status_code} {response.text[:500]}"
        self.covered.add(op)
        if response.headers.get("content-type", "").startswith("application/json"):
            data = response.json()
            openapi.validate(op, response.status_code, data, legacy)
            if response.status_code == 200:
                # every property the schema lists is sent (null when empty), as Qdrant does
                missing = openapi.missing_properties(op, response.status_code, data, legacy)
                assert not missing, f"{op}: properties left out: {missing}"
            return data
        return response


def _eventually(check: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 30
    while not check():
        assert time.monotonic() < deadline, "background snapshot work did not finish"
        time.sleep(0.05)


def _snapshots_without_waiting(d: Driver, col: str, tmp_path: Path) -> None:
    """``?wait=false`` on snapshot work: 202 with no result at once (Qdrant's answer), the
    work done afterwards."""

    def names(path: str) -> set[str]:
        return {s["name"] for s in d.call("list_snapshots", path)["result"]}

    accepted = d.call("create_snapshot", col + "/snapshots", params={"wait": "false"}, status=202)
    assert accepted["status"] == "accepted" and "result" not in accepted
    _eventually(lambda: len(names(col + "/snapshots")) == 1)
    (made,) = names(col + "/snapshots")
    blob = d.call("get_snapshot", f"{col}/snapshots/{made}").content
    archive = tmp_path / "nowait.snapshot"
    archive.write_bytes(blob)
    body = {"location": f"file://{archive}"}
    nowait = {"wait": "false"}
    d.call("recover_from_snapshot", "/collections/nowait1/snapshots/recover", body, params=nowait, status=202)
    d.call(
        "recover_from_uploaded_snapshot",
        "/collections/nowait2/snapshots/upload",
        files={"snapshot": ("s", blob)},
        params={"wait": "false"},
        status=202,
    )
    for copy in ("nowait1", "nowait2"):
        path = f"/collections/{copy}/points/count"
        _eventually(lambda path=path: d.http.post(path, json={}).status_code == 200)  # type: ignore[misc]
        assert d.call("count_points", f"/collections/{copy}/points/count", {})["result"]["count"] == 30
    d.call("delete_snapshot", f"{col}/snapshots/{made}", params={"wait": "false"}, status=202)
    _eventually(lambda: not names(col + "/snapshots"))
    # work that fails after the answer is only logged: the answer was already 202
    d.call("delete_snapshot", f"{col}/snapshots/{made}", params={"wait": "false"}, status=202)
    d.call("delete_snapshot", f"{col}/snapshots/{made}", status=404)
    d.call("create_full_snapshot", "/snapshots", params={"wait": "false"}, status=202)
    _eventually(lambda: len(d.call("list_full_snapshots", "/snapshots")["result"]) == 1)
    (full,) = d.call("list_full_snapshots", "/snapshots")["result"]
    d.call("delete_full_snapshot", f"/snapshots/{full['name']}", params={"wait": "false"}, status=202)
    _eventually(lambda: not d.call("list_full_snapshots", "/snapshots")["result"])


@pytest.fixture(scope="module")
def api(server: Server) -> Driver:
    return Driver(server.url)


def points(n: int) -> list[dict[str, Any]]:
    return [
        {
            "id": i,
            "vector": {
                "": [float(i % 3), 1.0, float(i % 5), 0.5],
                "text": {"indices": [i % 7, 9], "values": [1.0, 0.5]},
            },
            "payload": {
                "city": ["Berlin", "Paris", "Rome"][i % 3],
                "n": i,
                "when": f"2024-01-{i % 28 + 1:02d}T00:00:00Z",
            },
        }
        for i in range(1, n + 1)
    ]


def test_every_operation_answers_per_spec(api: Driver, tmp_path: Any) -> None:
    d = api
    # -- service -------------------------------------------------------------------------
    root = d.call("root", "/")
    assert root["version"].startswith("1.19") and len(root["commit"]) == 40
    for probe in ("healthz", "livez"):
        assert d.call(probe, f"/{probe}").text == "healthz check passed"
    assert d.call("readyz", "/readyz").text == "all shards are ready"
    d.call("get_issues", "/issues")
    d.call("clear_issues", "/issues")
    assert d.call("cluster_status", "/cluster")["result"]["status"] == "disabled"
    d.call("cluster_telemetry", "/cluster/telemetry", status=400)
    d.call("recover_current_peer", "/cluster/recover", status=400)
    d.call("remove_peer", "/cluster/peer/7", status=400)
    d.call("get_quotas", "/quotas")
    d.call("update_quotas", "/quotas", {"enabled": False, "max_disk_usage_percent": 95})
    # -- collections -----------------------------------------------------------------------
    body = {
        "vectors": {"size": 4, "distance": "Cosine"},
        "sparse_vectors": {"text": {"modifier": "idf"}},
        "hnsw_config": {"m": 8},
        "metadata": {"owner": "tests"},
    }
    assert d.call("create_collection", C, body)["result"] is True
    d.call("create_collection", C, body, status=409)
    # size is a NonZeroU64 in Qdrant: 0 fails while parsing (400); a bound of a validator is a 422
    d.call("create_collection", "/collections/bad", {"vectors": {"size": 0, "distance": "Cosine"}}, status=400)
    d.call("create_collection", "/collections/bad", {"vectors": {"size": 70000, "distance": "Cosine"}}, status=422)
    d.call("create_collection", "/collections/bad", {"vectors": {"size": "x"}}, status=400)
    d.call("get_collections", "/collections")
    d.call("collection_exists", C + "/exists")
    d.call("update_collection", C, {"optimizers_config": {"indexing_threshold": 10000}, "metadata": {"v": 2}})
    d.call("get_collection", "/collections/missing", status=404)
    d.call(
        "update_aliases",
        "/collections/aliases",
        {"actions": [{"create_alias": {"collection_name": "api", "alias_name": "a1"}}]},
    )
    d.call("get_collection_aliases", C + "/aliases")
    d.call("get_collections_aliases", "/aliases")
    d.call("collection_cluster_info", C + "/cluster")
    d.call(
        "update_collection_cluster",
        C + "/cluster",
        {"move_shard": {"shard_id": 0, "from_peer_id": 1, "to_peer_id": 2}},
        status=400,
    )
    d.call("get_optimizations", C + "/optimizations")
    d.call("create_shard_key", C + "/shards", {"shard_key": "k"}, status=400)
    d.call("list_shard_keys", C + "/shards")
    d.call("delete_shard_key", C + "/shards/delete", {"shard_key": "k"}, status=400)
    d.call(
        "create_vector_name", C + "/vectors/extra", {"dense": {"size": 3, "distance": "Dot"}}, params={"wait": "true"}
    )
    d.call("create_vector_name", C + "/vectors/extra", {"sparse": {}}, status=400)
    d.call("create_vector_name", C + "/vectors/words", {"sparse": {"modifier": "idf"}})
    info = d.call("get_collection", C)["result"]["config"]["params"]
    assert info["vectors"]["extra"]["size"] == 3 and "words" in info["sparse_vectors"]
    d.call("delete_vector_name", C + "/vectors/words", params={"wait": "true"})
    d.call("delete_vector_name", C + "/vectors/nope", status=400)
    # -- writes ----------------------------------------------------------------------------
    up = d.call("upsert_points", P, {"points": points(30)}, params={"wait": "true"})
    assert up["result"]["status"] == "completed"
    ack = d.call("upsert_points", P, {"batch": {"ids": [31], "vectors": [[1, 2, 3, 4]], "payloads": [{"n": 31}]}})
    assert ack["result"]["status"] == "acknowledged"
    d.call("upsert_points", P, {"points": [{"id": 1, "vector": [1, 2]}]}, status=400, params={"wait": "true"})
    d.call("upsert_points", P, {"points": [{"id": -1, "vector": [1, 2, 3, 4]}]}, status=400)
    # bulk shapes take a fast path that must refuse the same bad input
    ragged = {"points": [{"id": 50, "vector": [1, 2, 3, 4]}, {"id": 51, "vector": [1, 2]}]}
    d.call("upsert_points", P, ragged, status=400)
    d.call("upsert_points", P, {"batch": {"ids": [50, 51], "vectors": [[1, 2, 3, 4], [1, "x", 3, 4]]}}, status=400)
    d.call("upsert_points", P, {"batch": {"ids": [50], "vectors": [[1, 2, 3, 4], [1, 2, 3, 4]]}}, status=400)
    d.call("upsert_points", P, {"points": [{"vector": [1, 2, 3, 4]}]}, status=400)
    d.call("upsert_points", P, {"points": []}, params={"wait": "maybe"}, status=400)
    d.call(
        "create_field_index", C + "/index", {"field_name": "city", "field_schema": "keyword"}, params={"wait": "true"}
    )
    d.call("create_field_index", C + "/index", {"field_name": "n", "field_schema": "integer"}, params={"wait": "true"})
    d.call("create_field_index", C + "/index", {"field_name": "when", "field_schema": "datetime"})
    d.call("set_payload", P + "/payload", {"payload": {"extra": 1}, "points": [1, 2]}, params={"wait": "true"})
    d.call("overwrite_payload", P + "/payload", {"payload": {"n": 3, "city": "Rome"}, "points": [3]})
    d.call("delete_payload", P + "/payload/delete", {"keys": ["extra"], "filter": {"must": [{"has_id": [1]}]}})
    d.call("clear_payload", P + "/payload/clear", {"points": [31]})
    d.call("update_vectors", P + "/vectors", {"points": [{"id": 2, "vector": {"": [0, 0, 1, 0]}}]})
    d.call("delete_vectors", P + "/vectors/delete", {"points": [4], "vector": ["text"]})
    d.call("delete_points", P + "/delete", {"points": [30]}, params={"wait": "true", "ordering": "strong"})
    d.call(
        "batch_update",
        P + "/batch",
        {
            "operations": [
                {
                    "upsert": {
                        "points": [{"id": 40, "vector": {"": [1, 1, 1, 1]}, "payload": {"city": "Oslo", "n": 40}}]
                    }
                },
                {"set_payload": {"payload": {"flag": True}, "points": [40]}},
                {"delete": {"points": [40]}},
            ]
        },
        params={"wait": "true"},
    )
    # -- reads -----------------------------------------------------------------------------
    got = d.call("get_point", P + "/5")
    assert got["result"]["id"] == 5 and got["result"]["vector"][""]
    d.call("get_point", P + "/999", status=404)
    d.call("get_points", P, {"ids": [1, 2, 999], "with_payload": True, "with_vector": ["text"]})
    scrolled = d.call(
        "scroll_points", P + "/scroll", {"limit": 5, "filter": {"must": [{"key": "city", "match": {"value": "Paris"}}]}}
    )
    assert len(scrolled["result"]["points"]) == 5
    d.call("scroll_points", P + "/scroll", {"limit": 3, "order_by": {"key": "n", "direction": "desc"}})
    assert d.call("count_points", P + "/count", {"exact": True})["result"]["count"] == 30
    assert d.call("facet", C + "/facet", {"key": "city"})["result"]["hits"]
    d.call("facet", C + "/facet", {"key": "nope"}, status=400)
    # -- queries ---------------------------------------------------------------------------
    q = d.call("query_points", P + "/query", {"query": [1, 0, 0, 0], "limit": 3, "with_payload": True})
    assert len(q["result"]["points"]) == 3
    d.call("query_points", P + "/query", {"query": [1, 0, 0, 0], "limit": 0}, status=422)
    d.call(
        "query_points",
        P + "/query",
        {"query": {"recommend": {"positive": [1], "negative": [2], "strategy": "best_score"}}},
    )
    d.call(
        "query_points",
        P + "/query",
        {"query": {"discover": {"target": 3, "context": [{"positive": 1, "negative": 2}]}}},
    )
    d.call("query_points", P + "/query", {"query": {"context": [{"positive": 1, "negative": 2}]}})
    d.call("query_points", P + "/query", {"query": {"order_by": "n"}, "limit": 4})
    d.call("query_points", P + "/query", {"query": {"sample": "random"}, "limit": 4})
    d.call(
        "query_points",
        P + "/query",
        {
            "prefetch": [
                {"query": [1, 0, 0, 0], "limit": 10},
                {"query": {"indices": [1, 9], "values": [1, 1]}, "using": "text"},
            ],
            "query": {"rrf": {"k": 10}},
            "with_payload": ["city"],
        },
    )
    d.call(
        "query_points",
        P + "/query",
        {
            "prefetch": {"query": [1, 0, 0, 0], "limit": 10},
            "query": {"formula": {"sum": ["$score", {"mult": [0.01, "n"]}]}, "defaults": {"n": 0}},
        },
    )
    d.call("query_points", P + "/query", {"query": {"nearest": [1, 0, 0, 0], "mmr": {"diversity": 0.5}}, "limit": 3})
    d.call("query_points", P + "/query", {"query": {"fusion": "rrf"}}, status=400)
    d.call("query_points", "/collections/missing/points/query", {"query": [1, 0, 0, 0]}, status=404)
    d.call("query_batch_points", P + "/query/batch", {"searches": [{"query": [1, 0, 0, 0]}, {"query": 5, "limit": 2}]})
    groups = d.call(
        "query_points_groups",
        P + "/query/groups",
        {"query": [1, 0, 0, 0], "group_by": "city", "group_size": 2, "limit": 3},
    )
    assert len(groups["result"]["groups"]) == 3
    d.call("search_matrix_pairs", P + "/search/matrix/pairs", {"sample": 5, "limit": 2})
    d.call("search_matrix_offsets", P + "/search/matrix/offsets", {"sample": 5, "limit": 2})
    # -- legacy 1.18 endpoints ---------------------------------------------------------------
    d.call("search_points", P + "/search", {"vector": [1, 0, 0, 0], "limit": 3, "with_payload": True})
    d.call("search_batch_points", P + "/search/batch", {"searches": [{"vector": [1, 0, 0, 0], "limit": 2}]})
    d.call(
        "search_point_groups",
        P + "/search/groups",
        {"vector": [1, 0, 0, 0], "group_by": "city", "group_size": 1, "limit": 2},
    )
    d.call("recommend_points", P + "/recommend", {"positive": [1, 2], "limit": 3})
    d.call(
        "recommend_batch_points", P + "/recommend/batch", {"searches": [{"positive": [1], "negative": [2], "limit": 2}]}
    )
    d.call(
        "recommend_point_groups",
        P + "/recommend/groups",
        {"positive": [1], "group_by": "city", "group_size": 1, "limit": 2},
    )
    d.call("discover_points", P + "/discover", {"target": 1, "context": [{"positive": 2, "negative": 3}], "limit": 3})
    d.call("discover_batch_points", P + "/discover/batch", {"searches": [{"target": 1, "context": [], "limit": 2}]})
    # -- snapshots -------------------------------------------------------------------------
    snap = d.call("create_snapshot", C + "/snapshots", params={"wait": "true"})["result"]
    listed = d.call("list_snapshots", C + "/snapshots")["result"]
    assert [s["name"] for s in listed] == [snap["name"]]
    blob = d.call("get_snapshot", f"{C}/snapshots/{snap['name']}").content
    assert hashlib.sha256(blob).hexdigest() == snap["checksum"]
    assert tarfile.open(fileobj=io.BytesIO(blob)).getnames()
    # path traversal in snapshot names is refused, whether or not it reaches a route
    d.call("get_snapshot", C + "/snapshots/..%2F..%2Fetc%2Fpasswd", status=404)
    d.call("get_snapshot", C + "/snapshots/%2E%2E", status=400)
    d.call("delete_full_snapshot", "/snapshots/..%5C..%5Cx", status=400)
    d.call("get_snapshot", C + "/snapshots/nope.snapshot", status=404)
    archive = tmp_path / "copy.snapshot"
    archive.write_bytes(blob)
    recovered = "/collections/copy1"
    d.call(
        "recover_from_snapshot",
        recovered + "/snapshots/recover",
        {"location": f"file://{archive}", "checksum": snap["checksum"]},
    )
    d.call(
        "recover_from_snapshot",
        recovered + "/snapshots/recover",
        {"location": f"file://{archive}", "checksum": "0" * 64},
        status=400,
    )
    files = {"snapshot": ("copy.snapshot", blob, "application/octet-stream")}
    d.call(
        "recover_from_uploaded_snapshot",
        "/collections/copy2/snapshots/upload",
        files=files,
        params={"checksum": snap["checksum"]},
    )
    url = f"{str(d.http.base_url).rstrip('/')}/collections/api/snapshots/{snap['name']}"
    d.call(
        "recover_from_snapshot", "/collections/copy3/snapshots/recover", {"location": url, "checksum": snap["checksum"]}
    )
    bad = {"location": "http://127.0.0.1:notaport/x"}
    d.call("recover_from_snapshot", "/collections/copy4/snapshots/recover", bad, status=400)
    for name in ("copy1", "copy2", "copy3"):
        assert d.call("count_points", f"/collections/{name}/points/count", {})["result"]["count"] == 30
    shard = d.call("create_shard_snapshot", C + "/shards/0/snapshots")["result"]
    d.call("list_shard_snapshots", C + "/shards/0/snapshots")
    shard_blob = d.call("get_shard_snapshot", f"{C}/shards/0/snapshots/{shard['name']}").content
    assert hashlib.sha256(shard_blob).hexdigest() == shard["checksum"]
    streamed = d.call("stream_shard_snapshot", C + "/shards/0/snapshot").content
    assert tarfile.open(fileobj=io.BytesIO(streamed)).getnames()
    archive.write_bytes(shard_blob)
    d.call(
        "recover_shard_from_snapshot",
        "/collections/copy1/shards/0/snapshots/recover",
        {"location": f"file://{archive}"},
    )
    d.call(
        "recover_shard_from_uploaded_snapshot",
        "/collections/copy2/shards/0/snapshots/upload",
        files={"snapshot": ("s", shard_blob)},
    )
    d.call("delete_shard_snapshot", f"{C}/shards/0/snapshots/{shard['name']}")
    d.call("get_shard_snapshot", C + "/shards/3/snapshots/x.snapshot", status=404)
    full = d.call("create_full_snapshot", "/snapshots")["result"]
    assert [s["name"] for s in d.call("list_full_snapshots", "/snapshots")["result"]] == [full["name"]]
    full_blob = d.call("get_full_snapshot", f"/snapshots/{full['name']}").content
    assert hashlib.sha256(full_blob).hexdigest() == full["checksum"]
    d.call("delete_full_snapshot", f"/snapshots/{full['name']}")
    d.call("delete_snapshot", f"{C}/snapshots/{snap['name']}")
    _snapshots_without_waiting(d, C, tmp_path)
    # -- teardown-ish operations -------------------------------------------------------------
    d.call("delete_field_index", C + "/index/when", params={"wait": "true"})
    d.call("telemetry", "/telemetry")
    d.call("telemetry", "/telemetry", params={"details_level": 2})
    metrics = d.call("metrics", "/metrics").text
    assert (
        'rest_responses_total{method="POST",endpoint="/collections/{collection_name}/points/query",status="200"}'
        in metrics
    )
    assert 'collection_points{collection="api"} 30' in metrics
    assert d.call("delete_collection", "/collections/copy1")["result"] is True
    assert d.call("delete_collection", "/collections/nope")["result"] is False
    # every operation of both specs was exercised
    assert set(openapi.operations()) - d.covered == set()
    assert LEGACY - d.covered == set()


def test_unknown_route_and_method_get_json_errors(api: Driver) -> None:
    r = api.http.get("/no/such/thing")
    assert r.status_code == 404 and "error" in r.json()["status"]
    r = api.http.request("PATCH", "/collections")
    assert r.status_code == 405 and "error" in r.json()["status"]
    r = api.http.post("/collections/api/points/scroll", content=b"{not json")
    assert r.status_code == 400 and r.json()["status"]["error"].startswith("Format error in JSON body")
