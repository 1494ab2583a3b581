"""GET / DELETE /issues: a slow filtered read reports each unindexed key it reads as an
``UNINDEXED_FIELD`` issue with the index request that solves it; an index on the key or the
collection's deletion solves it. The server runs with Qdrant's own environment spelling of
the threshold (``QDRANT__SERVICE__SLOW_QUERY_SECS=0``: every read counts as slow)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest
from qdrant_client import QdrantClient, models

from tests.live_server import Server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    s = Server(tmp_path_factory.mktemp("issues") / "storage")
    s.start(env={"QDRANT__SERVICE__SLOW_QUERY_SECS": "0", "QDRANT__CLUSTER__ENABLED": "false"})
    try:
        yield s
    finally:
        s.stop()


def _issues(http: httpx.Client) -> dict[str, Any]:
    response = http.get("/issues")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"issues"}, "Qdrant answers this one without the envelope"
    return {i["id"]: i for i in body["issues"]}


def _collection(http: httpx.Client, name: str) -> None:
    http.put(f"/collections/{name}", json={"vectors": {"size": 2, "distance": "Dot"}}).raise_for_status()
    points = [{"id": 1, "vector": [1, 0], "payload": {"city": "Berlin", "n": 3, "a": [{"b": 5}]}}]
    http.put(f"/collections/{name}/points?wait=true", json={"points": points}).raise_for_status()


def test_a_slow_filtered_read_reports_each_unindexed_key(http: httpx.Client) -> None:
    _collection(http, "slow")
    http.delete("/issues").raise_for_status()
    flt = {
        "must": [
            {"key": "city", "match": {"value": "Berlin"}},
            {"key": "n", "range": {"gt": 1}},
            {"nested": {"key": "a", "filter": {"must": [{"key": "b", "match": {"value": 5}}]}}},
            {"is_empty": {"key": "other"}},  # no index type serves it: no issue
        ]
    }
    found = http.post("/collections/slow/points/query", json={"query": [1, 0], "filter": flt}).json()
    assert [p["id"] for p in found["result"]["points"]] == [1]
    issues = _issues(http)
    assert set(issues) == {"UNINDEXED_FIELD/slow/city", "UNINDEXED_FIELD/slow/n", "UNINDEXED_FIELD/slow/a[].b"}
    city = issues["UNINDEXED_FIELD/slow/city"]
    assert city["description"] == "Unindexed field 'city' might be slowing queries down in collection 'slow'"
    action = city["solution"]["immediate"]["action"]
    assert action == {
        "method": "PUT",
        "uri": "/collections/slow/index",
        "headers": {"content-type": "application/json"},
        "body": {"field_name": "city", "field_schema": "keyword"},
    }
    assert datetime.fromisoformat(city["timestamp"].replace("Z", "+00:00")).tzinfo is not None
    # a range is served by a float or an integer index: a choice of two requests
    choice = issues["UNINDEXED_FIELD/slow/n"]["solution"]["immediate_choice"]
    assert sorted(c["action"]["body"]["field_schema"] for c in choice) == ["float", "integer"]

    # the solution's own request solves it
    http.request(action["method"], action["uri"] + "?wait=true", json=action["body"]).raise_for_status()
    assert "UNINDEXED_FIELD/slow/city" not in _issues(http)
    # the same read again raises nothing new for the indexed key
    http.post("/collections/slow/points/query", json={"query": [1, 0], "filter": flt}).raise_for_status()
    assert set(_issues(http)) == {"UNINDEXED_FIELD/slow/n", "UNINDEXED_FIELD/slow/a[].b"}

    # deleting the collection solves its issues, and a new one of that name starts clean
    http.delete("/collections/slow").raise_for_status()
    assert _issues(http) == {}
    _collection(http, "slow")
    assert _issues(http) == {}

    # raised, then the collection replaced before anyone read the report: the new
    # collection's own slow read raises the issue again
    city_only = {"must": [{"key": "city", "match": {"value": "Berlin"}}]}
    http.post("/collections/slow/points/query", json={"query": [1, 0], "filter": city_only}).raise_for_status()
    http.delete("/collections/slow").raise_for_status()
    _collection(http, "slow")
    http.post("/collections/slow/points/query", json={"query": [1, 0], "filter": city_only}).raise_for_status()
    assert set(_issues(http)) == {"UNINDEXED_FIELD/slow/city"}


def test_other_reads_and_clearing(http: httpx.Client) -> None:
    _collection(http, "reads")
    http.delete("/issues").raise_for_status()
    flt = {"must": [{"key": "city", "match": {"any": ["Berlin"]}}]}
    http.post("/collections/reads/points/count", json={"filter": flt}).raise_for_status()
    assert set(_issues(http)) == {"UNINDEXED_FIELD/reads/city"}
    cleared = http.delete("/issues")
    assert cleared.status_code == 200 and cleared.json()["result"] is True
    assert _issues(http) == {}
    # scroll, a batch entry's prefetch
    http.post("/collections/reads/points/scroll", json={"filter": {"must": [{"key": "n", "match": {"value": 3}}]}})
    batch = {"searches": [{"prefetch": {"query": [1, 0], "filter": flt}, "query": [1, 0]}]}
    http.post("/collections/reads/points/query/batch", json=batch).raise_for_status()
    assert set(_issues(http)) == {"UNINDEXED_FIELD/reads/n", "UNINDEXED_FIELD/reads/city"}
    # a filtered write is no read: it reports nothing
    http.delete("/issues").raise_for_status()
    http.post("/collections/reads/points/delete?wait=true", json={"filter": flt}).raise_for_status()
    assert _issues(http) == {}


def test_reads_over_grpc_report_too(server: Server, http: httpx.Client) -> None:
    _collection(http, "over_grpc")
    http.delete("/issues").raise_for_status()
    client = QdrantClient(url=server.url, grpc_port=server.grpc_port, prefer_grpc=True, check_compatibility=False)
    try:
        flt = models.Filter(must=[models.FieldCondition(key="city", match=models.MatchValue(value="Berlin"))])
        assert [p.id for p in client.query_points("over_grpc", query=[1, 0], query_filter=flt).points] == [1]
    finally:
        client.close()
    assert set(_issues(http)) == {"UNINDEXED_FIELD/over_grpc/city"}


def test_fast_reads_report_nothing(tmp_path: Path) -> None:
    with Server(tmp_path / "storage") as default:  # the default threshold: 1.2 s
        with httpx.Client(base_url=default.url) as http:
            _collection(http, "fast")
            flt = {"must": [{"key": "city", "match": {"value": "Berlin"}}]}
            http.post("/collections/fast/points/query", json={"query": [1, 0], "filter": flt}).raise_for_status()
            assert _issues(http) == {}
