"""Strict mode and node quotas, field by field: under the limit the call goes through, over it
the REST API answers with Qdrant's status and message and the embedded Client raises the
typed error with the same text."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from starlette.testclient import TestClient

from vecbase.api.qdrant import models as m
from vecbase.client import Client
from vecbase.core.errors import InsufficientStorageError, RateLimitedError, StrictModeError
from vecbase.server.app import create_app
from vecbase.server.settings import Settings
from vecbase.storage import usage

NAME = "c"
COLLECTION = {
    "vectors": {
        "d": {"size": 2, "distance": "Dot"},
        "mv": {"size": 2, "distance": "Dot", "multivector_config": {"comparator": "max_sim"}},
    },
    "sparse_vectors": {"s": {}},
}
POINTS = [
    {"id": i, "vector": {"d": [1.0, float(i)]}, "payload": {"city": "x", "n": i, "color": "red"}} for i in range(5)
]
Q = {"query": [1.0, 0.5], "using": "d"}


def _filter(*conditions: tuple[str, Any]) -> dict[str, Any]:
    return {"must": [{"key": k, "match": {"value": v}} for k, v in conditions]}


@dataclass
class Case:
    """One limit: ``config`` (or ``ok_config`` / ``bad_config`` when the limit itself is
    what changes), a call under it and one over it, as a REST request and an embedded
    client call, and the answer to the one over it."""

    config: dict[str, Any]
    ok: tuple[str, str, Any]
    bad: tuple[str, str, Any]
    ok_client: Callable[[Client], Any]
    bad_client: Callable[[Client], Any]
    status: int
    message: str
    bad_config: dict[str, Any] = field(default_factory=dict)
    error: type[Exception] = StrictModeError


P = f"/collections/{NAME}/points"
CASES: dict[str, Case] = {
    "max_query_limit": Case(
        {"max_query_limit": 3},
        ("POST", P + "/query", {**Q, "limit": 3}),
        ("POST", P + "/query", {**Q, "limit": 4}),
        lambda c: c.query_points(NAME, query=[1.0, 0.5], using="d", limit=3),
        lambda c: c.query_points(NAME, query=[1.0, 0.5], using="d", limit=4),
        400,
        'Bad request: Limit exceeded 4 > 3 for "limit". Help: Reduce the "limit" parameter to or below 3.',
    ),
    "max_query_limit_prefetch": Case(
        {"max_query_limit": 3},
        ("POST", P + "/query", {"prefetch": {**Q, "limit": 3}, "query": {"fusion": "rrf"}, "limit": 2}),
        ("POST", P + "/query", {"prefetch": {**Q, "limit": 30}, "query": {"fusion": "rrf"}, "limit": 2}),
        lambda c: c.scroll(NAME, limit=3),
        lambda c: c.scroll(NAME, limit=30),
        400,
        'Bad request: Limit exceeded 30 > 3 for "limit". Help: Reduce the "limit" parameter to or below 3.',
    ),
    "unindexed_filtering_retrieve": Case(
        {"unindexed_filtering_retrieve": False},
        ("POST", P + "/count", {"filter": _filter(("city", "x"))}),
        ("POST", P + "/count", {"filter": _filter(("color", "red"))}),
        lambda c: c.count(NAME, count_filter=m.Filter(**_filter(("city", "x")))),
        lambda c: c.count(NAME, count_filter=m.Filter(**_filter(("color", "red")))),
        400,
        'Bad request: Index required but not found for "color" of one of the following types: [keyword].'
        " Help: Create an index for this key or use a different filter.",
    ),
    "unindexed_filtering_update": Case(
        {"unindexed_filtering_update": False},
        ("POST", P + "/delete?wait=true", {"filter": _filter(("city", "nowhere"))}),
        ("POST", P + "/delete?wait=true", {"filter": _filter(("color", "blue"))}),
        lambda c: c.delete(NAME, m.FilterSelector(filter=m.Filter(**_filter(("city", "nowhere"))))),
        lambda c: c.delete(NAME, m.FilterSelector(filter=m.Filter(**_filter(("color", "blue"))))),
        400,
        'Bad request: Index required but not found for "color" of one of the following types: [keyword].'
        " Help: Create an index for this key or use a different filter.",
    ),
    "search_max_hnsw_ef": Case(
        {"search_max_hnsw_ef": 10},
        ("POST", P + "/query", {**Q, "params": {"hnsw_ef": 10}}),
        ("POST", P + "/query", {**Q, "params": {"hnsw_ef": 11}}),
        lambda c: c.query_points(NAME, query=[1.0, 0.5], using="d", search_params=m.SearchParams(hnsw_ef=10)),
        lambda c: c.query_points(NAME, query=[1.0, 0.5], using="d", search_params=m.SearchParams(hnsw_ef=11)),
        400,
        'Bad request: Limit exceeded 11 > 10 for "hnsw_ef". Help: Reduce the "hnsw_ef" parameter to or below 10.',
    ),
    "search_allow_exact": Case(
        {"search_allow_exact": False},
        ("POST", P + "/query", {**Q, "params": {"exact": False}}),
        ("POST", P + "/query", {**Q, "params": {"exact": True}}),
        lambda c: c.query_points(NAME, query=[1.0, 0.5], using="d", search_params=m.SearchParams(exact=False)),
        lambda c: c.query_points(NAME, query=[1.0, 0.5], using="d", search_params=m.SearchParams(exact=True)),
        400,
        "Bad request: Exact search disabled!. Help: Set exact=false.",
    ),
    "search_max_oversampling": Case(
        {"search_max_oversampling": 2.0},
        ("POST", P + "/query", {**Q, "params": {"quantization": {"oversampling": 2.0}}}),
        ("POST", P + "/query", {**Q, "params": {"quantization": {"oversampling": 3.0}}}),
        lambda c: c.query_points(
            NAME, query=[1.0, 0.5], using="d", search_params=m.SearchParams(quantization={"oversampling": 2.0})
        ),
        lambda c: c.query_points(
            NAME, query=[1.0, 0.5], using="d", search_params=m.SearchParams(quantization={"oversampling": 3.0})
        ),
        400,
        'Bad request: Limit exceeded 3 > 2 for "oversampling". Help: Reduce the "oversampling" parameter to or'
        " below 2.",
    ),
    "upsert_max_batchsize": Case(
        {"upsert_max_batchsize": 2},
        ("PUT", P + "?wait=true", {"points": POINTS[:2]}),
        ("PUT", P + "?wait=true", {"points": POINTS[:3]}),
        lambda c: c.upsert(NAME, [m.PointStruct(**p) for p in POINTS[:2]]),
        lambda c: c.upsert(NAME, [m.PointStruct(**p) for p in POINTS[:3]]),
        400,
        'Bad request: Limit exceeded 3 > 2 for "upsert limit". Help: Reduce the "upsert limit" parameter to or'
        " below 2.",
    ),
    "search_max_batchsize": Case(
        {"search_max_batchsize": 2},
        ("POST", P + "/query/batch", {"searches": [Q, Q]}),
        ("POST", P + "/query/batch", {"searches": [Q, Q, Q]}),
        lambda c: c.query_batch_points(NAME, [m.QueryRequest(**Q)] * 2),
        lambda c: c.query_batch_points(NAME, [m.QueryRequest(**Q)] * 3),
        400,
        'Bad request: Limit exceeded 3 > 2 for "search batch size". Help: Reduce the "search batch size" parameter'
        " to or below 2.",
    ),
    "max_collection_vector_size_bytes": Case(
        {"max_collection_vector_size_bytes": 10_000},
        ("PUT", P + "?wait=true", {"points": POINTS[:1]}),
        ("PUT", P + "?wait=true", {"points": POINTS[:1]}),
        lambda c: c.upsert(NAME, [m.PointStruct(**POINTS[0])]),
        lambda c: c.upsert(NAME, [m.PointStruct(**POINTS[0])]),
        400,
        "Bad request: Max vector storage size limit of 0.000009536743MB reached!",
        bad_config={"max_collection_vector_size_bytes": 10},
    ),
    "max_collection_payload_size_bytes": Case(
        {"max_collection_payload_size_bytes": 10_000},
        ("POST", P + "/payload?wait=true", {"payload": {"k": 1}, "points": [1]}),
        ("POST", P + "/payload?wait=true", {"payload": {"k": 1}, "points": [1]}),
        lambda c: c.set_payload(NAME, {"k": 1}, [1]),
        lambda c: c.set_payload(NAME, {"k": 1}, [1]),
        400,
        "Bad request: Max payload storage size limit of 0.000009536743MB reached!",
        bad_config={"max_collection_payload_size_bytes": 10},
    ),
    "max_points_count": Case(
        {"max_points_count": 6},
        ("PUT", P + "?wait=true", {"points": [{"id": 9, "vector": {"d": [1, 1]}}]}),
        ("PUT", P + "?wait=true", {"points": [{"id": 9, "vector": {"d": [1, 1]}}]}),
        lambda c: c.upsert(NAME, [m.PointStruct(id=9, vector={"d": [1, 1]})]),
        lambda c: c.upsert(NAME, [m.PointStruct(id=9, vector={"d": [1, 1]})]),
        400,
        "Bad request: Max points count limit of 5 reached!",
        bad_config={"max_points_count": 5},
    ),
    "filter_max_conditions": Case(
        {"filter_max_conditions": 2},
        ("POST", P + "/count", {"filter": _filter(("city", "x"), ("n", 1))}),
        ("POST", P + "/count", {"filter": _filter(("city", "x"), ("n", 1), ("color", "red"))}),
        lambda c: c.count(NAME, count_filter=m.Filter(**_filter(("city", "x"), ("n", 1)))),
        lambda c: c.count(NAME, count_filter=m.Filter(**_filter(("city", "x"), ("n", 1), ("color", "red")))),
        400,
        "Bad request: Filter condition limit reached (3 > 2). Help: Reduce the amount of conditions of your filter.",
    ),
    "condition_max_size": Case(
        {"condition_max_size": 2},
        ("POST", P + "/count", {"filter": {"must": [{"key": "n", "match": {"any": [1, 2]}}]}}),
        ("POST", P + "/count", {"filter": {"must": [{"key": "n", "match": {"any": [1, 2, 3]}}]}}),
        lambda c: c.count(NAME, count_filter=m.Filter(must=[{"key": "n", "match": {"any": [1, 2]}}])),
        lambda c: c.count(NAME, count_filter=m.Filter(must=[{"key": "n", "match": {"any": [1, 2, 3]}}])),
        400,
        "Bad request: Condition size limit reached (3 > 2). Help: Reduce the size of your condition.",
    ),
    "multivector_config": Case(
        {"multivector_config": {"mv": {"max_vectors": 2}}},
        ("PUT", P + "?wait=true", {"points": [{"id": 7, "vector": {"mv": [[1, 0], [0, 1]]}}]}),
        ("PUT", P + "?wait=true", {"points": [{"id": 7, "vector": {"mv": [[1, 0], [0, 1], [1, 1]]}}]}),
        lambda c: c.upsert(NAME, [m.PointStruct(id=7, vector={"mv": [[1, 0], [0, 1]]})]),
        lambda c: c.upsert(NAME, [m.PointStruct(id=7, vector={"mv": [[1, 0], [0, 1], [1, 1]]})]),
        400,
        "Bad request: Multivector 'mv' has a limit of 2 vectors, but 3 were provided!",
    ),
    "sparse_config": Case(
        {"sparse_config": {"s": {"max_length": 2}}},
        ("PUT", P + "?wait=true", {"points": [{"id": 7, "vector": {"s": {"indices": [1, 2], "values": [1, 1]}}}]}),
        (
            "PUT",
            P + "?wait=true",
            {"points": [{"id": 7, "vector": {"s": {"indices": [1, 2, 3], "values": [1, 1, 1]}}}]},
        ),
        lambda c: c.upsert(NAME, [m.PointStruct(id=7, vector={"s": m.SparseVector(indices=[1, 2], values=[1, 1])})]),
        lambda c: c.upsert(
            NAME, [m.PointStruct(id=7, vector={"s": m.SparseVector(indices=[1, 2, 3], values=[1, 1, 1])})]
        ),
        400,
        "Bad request: Sparse vector 's' has a limit of 2 indices, but 3 were provided!",
    ),
    "max_payload_index_count": Case(
        {"max_payload_index_count": 3},
        ("PUT", f"/collections/{NAME}/index?wait=true", {"field_name": "color", "field_schema": "keyword"}),
        ("PUT", f"/collections/{NAME}/index?wait=true", {"field_name": "color", "field_schema": "keyword"}),
        lambda c: c.create_payload_index(NAME, "color", "keyword"),
        lambda c: c.create_payload_index(NAME, "color", "keyword"),
        400,
        "Bad request: Collection already has the maximum number of payload indices (2). Help: Delete some payload"
        " indices or raise `max_payload_index_count`.",
        bad_config={"max_payload_index_count": 2},
    ),
    "read_rate_limit": Case(
        {"read_rate_limit": 2},
        ("POST", P + "/count", {}),
        ("POST", P + "/count", {}),
        lambda c: c.count(NAME),
        lambda c: c.count(NAME),
        429,
        "Rate limiting exceeded: Read rate limit exceeded: Operation requires 1 tokens but only 0.0 were"
        " available. Retry after 30s",
        error=RateLimitedError,
    ),
    "write_rate_limit": Case(
        {"write_rate_limit": 1},
        ("POST", P + "/payload?wait=true", {"payload": {"k": 1}, "points": [1]}),
        ("POST", P + "/payload?wait=true", {"payload": {"k": 1}, "points": [1]}),
        lambda c: c.set_payload(NAME, {"k": 1}, [1]),
        lambda c: c.set_payload(NAME, {"k": 1}, [1]),
        429,
        "Rate limiting exceeded: Write rate limit exceeded: Operation requires 1 tokens but only 0.0 were"
        " available. Retry after 60s",
        error=RateLimitedError,
    ),
    "max_resident_memory_percent": Case(
        {"max_resident_memory_percent": 60},
        ("PUT", P + "?wait=true", {"points": POINTS[:1]}),
        ("PUT", P + "?wait=true", {"points": POINTS[:1]}),
        lambda c: c.upsert(NAME, [m.PointStruct(**POINTS[0])]),
        lambda c: c.upsert(NAME, [m.PointStruct(**POINTS[0])]),
        400,
        "Bad request: Resident memory usage is at 50% of total memory, exceeding the configured limit of 40%. Help:"
        " Reduce memory usage (e.g. delete points or drop collections), or raise `max_resident_memory_percent` in"
        " the strict mode config of this collection.",
        bad_config={"max_resident_memory_percent": 40},
    ),
}
# the rate limits: the call under the limit is the first of the minute, the one over it
# comes once the bucket is empty
DRAIN = {"read_rate_limit": 1, "write_rate_limit": 0}


@pytest.fixture
def rest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setattr(usage, "resident_memory_percent", lambda: 50)
    with TestClient(create_app(Settings(storage_path=str(tmp_path / "storage")))) as client:
        yield client


@pytest.fixture
def embedded() -> Iterator[Client]:
    with Client(":memory:") as client:
        yield client


def rest_setup(http: TestClient, strict: dict[str, Any]) -> None:
    http.delete(f"/collections/{NAME}")
    # the indexes and points go in before the limits that would refuse them
    body = {**COLLECTION, "strict_mode_config": {"enabled": False, **strict}}
    assert http.put(f"/collections/{NAME}", json=body).status_code == 200
    for key, kind in (("city", "keyword"), ("n", "integer")):
        http.put(f"/collections/{NAME}/index?wait=true", json={"field_name": key, "field_schema": kind})
    assert http.put(P + "?wait=true", json={"points": POINTS}).status_code == 200
    http.patch(f"/collections/{NAME}", json={"strict_mode_config": {"enabled": True}})


def client_setup(c: Client, strict: dict[str, Any]) -> None:
    if c.collection_exists(NAME):
        c.delete_collection(NAME)
    c.create_collection(
        NAME,
        vectors_config={k: m.VectorParams(**v) for k, v in COLLECTION["vectors"].items()},
        sparse_vectors_config={"s": m.SparseVectorParams()},
        strict_mode_config=m.StrictModeConfig(enabled=False, **strict),
    )
    c.create_payload_index(NAME, "city", "keyword")
    c.create_payload_index(NAME, "n", "integer")
    c.upsert(NAME, [m.PointStruct(**p) for p in POINTS])
    c.update_collection(NAME, strict_mode_config=m.StrictModeConfig(enabled=True))


def send(http: TestClient, call: tuple[str, str, Any]) -> Any:
    method, path, body = call
    return http.request(method, path, json=body)


@pytest.mark.parametrize("name", list(CASES))
def test_rest(rest: TestClient, name: str) -> None:
    case = CASES[name]
    rest_setup(rest, case.config)
    for _ in range(DRAIN.get(name, 0)):
        send(rest, case.ok)
    ok = send(rest, case.ok)
    assert ok.status_code == 200, ok.text
    if case.bad_config:
        rest_setup(rest, {**case.config, **case.bad_config})
    bad = send(rest, case.bad)
    assert bad.status_code == case.status, bad.text
    assert bad.json()["status"]["error"] == case.message
    if case.status == 429:
        assert int(bad.headers["retry-after"]) >= 1


@pytest.mark.parametrize("name", list(CASES))
def test_embedded(embedded: Client, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(usage, "resident_memory_percent", lambda: 50)
    case = CASES[name]
    client_setup(embedded, case.config)
    for _ in range(DRAIN.get(name, 0)):
        case.ok_client(embedded)
    case.ok_client(embedded)
    if case.bad_config:
        client_setup(embedded, {**case.config, **case.bad_config})
    with pytest.raises(case.error) as info:
        case.bad_client(embedded)
    text = str(info.value)
    assert case.message.endswith(text) and text


def test_timeout(rest: TestClient) -> None:
    rest_setup(rest, {"max_timeout": 5})
    assert rest.post(P + "/query?timeout=5", json=Q).status_code == 200
    r = rest.post(P + "/query?timeout=6", json=Q)
    assert r.status_code == 400 and r.json()["status"]["error"] == (
        'Bad request: Limit exceeded 6 > 5 for "timeout". Help: Reduce the "timeout" parameter to or below 5.'
    )


def test_disabled_strict_mode_enforces_nothing(rest: TestClient) -> None:
    rest_setup(rest, {"max_query_limit": 1})
    rest.patch(f"/collections/{NAME}", json={"strict_mode_config": {"enabled": False}})
    assert rest.post(P + "/query", json={**Q, "limit": 5}).status_code == 200
    config = rest.get(f"/collections/{NAME}").json()["result"]["config"]["strict_mode_config"]
    assert config == {"enabled": False, "max_query_limit": 1}


def test_patch_merges_and_survives_restart(tmp_path: Path) -> None:
    settings = Settings(storage_path=str(tmp_path / "storage"))
    with TestClient(create_app(settings)) as http:
        rest_setup(http, {"max_query_limit": 3, "sparse_config": {"s": {"max_length": 5}}})
        http.patch(f"/collections/{NAME}", json={"strict_mode_config": {"max_timeout": 7}})
    with TestClient(create_app(settings)) as http:
        config = http.get(f"/collections/{NAME}").json()["result"]["config"]["strict_mode_config"]
        assert config == {
            "enabled": True,
            "max_query_limit": 3,
            "max_timeout": 7,
            "sparse_config": {"s": {"max_length": 5}},
        }
        assert http.post(P + "/query", json={**Q, "limit": 4}).status_code == 400


@pytest.mark.parametrize("resource", ["disk", "memory"])
def test_node_quotas(rest: TestClient, monkeypatch: pytest.MonkeyPatch, resource: str) -> None:
    rest_setup(rest, {})
    used = {"disk": 70, "memory": 70}
    monkeypatch.setattr(usage, "disk_usage_percent", lambda path: used["disk"])
    monkeypatch.setattr(usage, "resident_memory_percent", lambda: used["memory"])
    limit_key = "max_disk_usage_percent" if resource == "disk" else "max_resident_memory_percent"
    assert rest.put("/quotas", json={"enabled": True, limit_key: 80, "release_margin_percent": 5}).status_code == 200
    write = {"points": [{"id": 11, "vector": {"d": [1, 1]}}]}
    assert rest.put(P + "?wait=true", json=write).status_code == 200
    used[resource] = 85
    r = rest.put(P + "?wait=true", json=write)
    assert r.status_code == 507 and r.json()["status"]["error"].startswith("Insufficient storage: ")
    assert rest.post(P + "/count", json={}).status_code == 200  # reads go on
    used[resource] = 77  # under the limit but within the release margin: still refused
    assert rest.put(P + "?wait=true", json=write).status_code == 507
    used[resource] = 74
    assert rest.put(P + "?wait=true", json=write).status_code == 200
    status = rest.get("/quotas").json()["result"]
    assert (
        status["config"][limit_key] == 80
        and status["usage"][f"{'disk_usage' if resource == 'disk' else 'resident_memory'}_percent"] == 74
    )


def test_node_quota_in_the_embedded_client(embedded: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    client_setup(embedded, {})
    monkeypatch.setattr(usage, "disk_usage_percent", lambda path: 95)
    embedded._svc.quotas.update(m.QuotaConfig(enabled=True, max_disk_usage_percent=90))
    with pytest.raises(InsufficientStorageError):
        embedded.upsert(NAME, [m.PointStruct(id=12, vector={"d": [1, 1]})])


def test_max_collections_in_every_dialect(tmp_path: Path) -> None:
    settings = Settings(storage_path=str(tmp_path / "storage"), max_collections=2)
    with TestClient(create_app(settings)) as http:
        body = {"vectors": {"size": 2, "distance": "Dot"}}
        assert http.put("/collections/a", json=body).status_code == 200
        assert http.post("/v1/vector_stores", json={"name": "b"}).status_code == 200
        refused = http.put("/collections/c", json=body)
        assert refused.status_code == 400
        assert refused.json()["status"]["error"] == (
            "Bad request: Can't create collection with name c. Max collections limit reached: 2"
        )
        store = http.post("/v1/vector_stores", json={"name": "d"})
        assert store.status_code == 400 and "Max collections limit reached: 2" in store.json()["error"]["message"]
        assert http.delete("/collections/a").status_code == 200
        assert http.put("/collections/c", json=body).status_code == 200
