"""Qdrant's authorisation, operation by credential: every REST operation (the 69 of 1.19 and
the 8 legacy search calls) under each kind of credential gets Qdrant's answer — allowed,
401 or 403. The expectations come from a table of Qdrant's access classes (its RBAC
documentation and ``lib/storage/src/rbac``), not from vecbase's own rules."""

from __future__ import annotations

import time
from typing import Any, Iterator

import httpx
import pytest

from tests.live_server import Server
from tests.server.authz import ENV, KEY, NAMES, READ_KEY, credentials, expected, token, verdict

THIS, OTHER = "this", "other"
V = [0.1, 0.2]
C = f"/collections/{THIS}"
P = C + "/points"
SH = C + "/shards/0"

# access classes: see tests/server/authz.py
OPERATIONS: list[tuple[str, str, str, Any]] = [
    # service
    ("open", "GET", "/", None),
    ("open", "GET", "/healthz", None),
    ("open", "GET", "/livez", None),
    ("open", "GET", "/readyz", None),
    ("G", "GET", "/telemetry", None),
    ("G", "GET", "/metrics", None),
    ("G", "GET", "/issues", None),
    ("M", "DELETE", "/issues", None),
    ("G", "GET", "/cluster", None),
    ("G", "GET", "/cluster/telemetry", None),
    ("M", "POST", "/cluster/recover", None),
    ("M", "DELETE", "/cluster/peer/7", None),
    ("G", "GET", "/quotas", None),
    ("M", "PUT", "/quotas", {"enabled": False}),
    # collections
    ("L", "GET", "/collections", None),
    ("R", "GET", C, None),
    ("M", "PUT", "/collections/scratch", {"vectors": {"size": 2, "distance": "Dot"}}),
    ("M", "PATCH", C, {"optimizers_config": {}}),
    ("M", "DELETE", "/collections/scratch", None),
    ("M", "POST", "/collections/aliases", {"actions": []}),
    ("R", "GET", C + "/exists", None),
    ("R", "GET", C + "/aliases", None),
    ("L", "GET", "/aliases", None),
    ("R", "GET", C + "/optimizations", None),
    ("WX", "PUT", C + "/index", {"field_name": "city", "field_schema": "keyword"}),
    ("WX", "DELETE", C + "/index/other_field", None),
    ("WX", "PUT", C + "/vectors/extra", {"size": 2, "distance": "Cosine"}),
    ("WX", "DELETE", C + "/vectors/missing", None),
    ("R", "GET", C + "/cluster", None),
    ("M", "POST", C + "/cluster", {"move_shard": {"shard_id": 0, "from_peer_id": 1, "to_peer_id": 2}}),
    ("M", "PUT", C + "/shards", {"shard_key": "a"}),
    ("R", "GET", C + "/shards", None),
    ("M", "POST", C + "/shards/delete", {"shard_key": "a"}),
    # snapshots
    ("M", "POST", C + "/snapshots/upload", "upload"),
    ("M", "PUT", C + "/snapshots/recover", {"location": "file:///nonexistent/x.snapshot"}),
    ("X", "GET", C + "/snapshots", None),
    ("WX", "POST", C + "/snapshots", None),
    ("WX", "DELETE", C + "/snapshots/nope.snapshot", None),
    ("X", "GET", C + "/snapshots/nope.snapshot", None),
    ("X", "GET", SH + "/snapshot", None),
    ("M", "POST", SH + "/snapshots/upload", "upload"),
    ("M", "PUT", SH + "/snapshots/recover", {"location": "file:///nonexistent/x.snapshot"}),
    ("X", "GET", SH + "/snapshots", None),
    ("WX", "POST", SH + "/snapshots", None),
    ("WX", "DELETE", SH + "/snapshots/nope.snapshot", None),
    ("X", "GET", SH + "/snapshots/nope.snapshot", None),
    ("G", "GET", "/snapshots", None),
    ("M", "POST", "/snapshots", None),
    ("M", "DELETE", "/snapshots/nope.snapshot", None),
    ("G", "GET", "/snapshots/nope.snapshot", None),
    # points
    ("R", "GET", P + "/1", None),
    ("R", "POST", P, {"ids": [1]}),
    ("W", "PUT", P, {"points": [{"id": 2, "vector": V, "payload": {"city": "y"}}]}),
    ("W", "POST", P + "/delete", {"points": [999]}),
    ("W", "PUT", P + "/vectors", {"points": [{"id": 2, "vector": V}]}),
    ("W", "POST", P + "/vectors/delete", {"points": [999], "vector": [""]}),
    ("W", "POST", P + "/payload", {"payload": {"k": 1}, "points": [2]}),
    ("W", "PUT", P + "/payload", {"payload": {"city": "y"}, "points": [2]}),
    ("W", "POST", P + "/payload/delete", {"keys": ["k"], "points": [2]}),
    ("W", "POST", P + "/payload/clear", {"points": [999]}),
    ("W", "POST", P + "/batch", {"operations": [{"delete": {"points": [999]}}]}),
    ("R", "POST", P + "/scroll", {"limit": 1}),
    ("R", "POST", P + "/count", {}),
    ("R", "POST", C + "/facet", {"key": "city"}),
    ("R", "POST", P + "/query", {"query": V, "limit": 1}),
    ("R", "POST", P + "/query/batch", {"searches": [{"query": V, "limit": 1}]}),
    ("R", "POST", P + "/query/groups", {"query": V, "group_by": "city"}),
    ("R", "POST", P + "/search/matrix/pairs", {"sample": 2, "limit": 1}),
    ("R", "POST", P + "/search/matrix/offsets", {"sample": 2, "limit": 1}),
    # the legacy (1.18) search calls
    ("R", "POST", P + "/search", {"vector": V, "limit": 1}),
    ("R", "POST", P + "/search/batch", {"searches": [{"vector": V, "limit": 1}]}),
    ("R", "POST", P + "/search/groups", {"vector": V, "group_by": "city", "limit": 1}),
    ("R", "POST", P + "/recommend", {"positive": [1], "limit": 1}),
    ("R", "POST", P + "/recommend/batch", {"searches": [{"positive": [1], "limit": 1}]}),
    ("R", "POST", P + "/recommend/groups", {"positive": [1], "group_by": "city", "limit": 1}),
    ("R", "POST", P + "/discover", {"target": V, "context": [], "limit": 1}),
    ("R", "POST", P + "/discover/batch", {"searches": [{"target": V, "context": [], "limit": 1}]}),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    storage = tmp_path_factory.mktemp("rbac") / "storage"
    server = Server(storage)
    server.start(env=ENV)
    with httpx.Client(base_url=server.url, headers={"api-key": KEY}) as http:
        for name in (THIS, OTHER):
            http.put(f"/collections/{name}", json={"vectors": {"size": 2, "distance": "Dot"}}).raise_for_status()
            http.put(
                f"/collections/{name}/points?wait=true",
                json={"points": [{"id": 1, "vector": V, "payload": {"city": "x"}}]},
            ).raise_for_status()
            http.put(f"/collections/{name}/index?wait=true", json={"field_name": "city", "field_schema": "keyword"})
    try:
        yield server
    finally:
        server.stop()


def send(http: httpx.Client, method: str, path: str, body: Any, key: str | None) -> httpx.Response:
    headers = {"api-key": key} if key is not None else {}
    if body == "upload":
        return http.request(method, path, headers=headers, files={"snapshot": ("x.snapshot", b"not a snapshot")})
    return http.request(method, path, headers=headers, json=body)


def test_the_table_covers_every_operation() -> None:
    assert len(OPERATIONS) == 77 and len({(m, p) for _, m, p, _ in OPERATIONS}) == 77


CREDENTIALS = credentials(THIS, OTHER, THIS)
HOUR = time.time() + 3600


@pytest.mark.parametrize("name", NAMES)
def test_operation_by_credential(server: Server, name: str) -> None:
    key, grant = CREDENTIALS[name]
    wrong: list[str] = []
    with httpx.Client(base_url=server.url, timeout=30) as http:
        for kind, method, path, body in OPERATIONS:
            r = send(http, method, path, body, key)
            want = expected(kind, grant, THIS)
            if not verdict(r.status_code, want):
                wrong.append(f"{method} {path}: {r.status_code} (want {want or 'allowed'}) {r.text[:120]}")
    assert not wrong, "\n".join(wrong)


def test_refusal_bodies_are_qdrant_s(server: Server) -> None:
    with httpx.Client(base_url=server.url) as http:
        r = http.get("/collections")
        assert (r.status_code, r.text) == (401, "Must provide an API key or an Authorization bearer token")
        r = http.get("/collections", headers={"api-key": "nope"})
        assert (r.status_code, r.text) == (401, "Invalid API key or JWT")
        r = http.get("/collections", headers={"api-key": CREDENTIALS["jwt_expired"][0] or ""})
        assert (r.status_code, r.text) == (403, "ExpiredSignature")
        r = http.get("/collections", headers={"api-key": CREDENTIALS["jwt_value_exists_false"][0] or ""})
        assert (r.status_code, r.text) == (401, "Invalid JWT, stateful validation failed")
        gone = token("r", HOUR, value_exists={"collection": "missing", "matches": [{"key": "a", "value": 1}]})
        r = http.get("/collections", headers={"authorization": f"Bearer {gone}"})
        assert (r.status_code, r.text) == (403, "Invalid JWT, stateful validation failed")
        r = http.put(f"{P}?wait=true", json={"points": []}, headers={"api-key": CREDENTIALS["jwt_this_r"][0] or ""})
        assert (
            r.status_code == 403
            and r.json()["status"]["error"] == "Forbidden: Write access to collection this is required"
        )
        r = http.delete(C, headers={"api-key": READ_KEY})
        assert r.status_code == 403 and r.json()["status"]["error"] == "Forbidden: Global manage access is required"
        r = http.get(f"{C}/snapshots", headers={"api-key": CREDENTIALS["jwt_this_prw"][0] or ""})
        assert r.json()["status"]["error"] == "Forbidden: Only points access is allowed for collection this"
        r = http.get("/collections/other", headers={"api-key": CREDENTIALS["jwt_this_rw"][0] or ""})
        assert r.json()["status"]["error"] == "Forbidden: Access to collection other is required"
        r = http.get("/cluster", headers={"api-key": CREDENTIALS["jwt_this_rw"][0] or ""})
        assert r.json()["status"]["error"] == "Forbidden: Global access is required"
        # a collection-scoped token lists only its collections, and may not read another
        # collection through lookup_from
        scoped = {"api-key": CREDENTIALS["jwt_this_r"][0] or ""}
        names = [c["name"] for c in http.get("/collections", headers=scoped).json()["result"]["collections"]]
        assert names == [THIS]
        r = http.post(f"{P}/query", headers=scoped, json={"query": 1, "lookup_from": {"collection": OTHER}, "limit": 1})
        assert r.status_code == 403
        # a token whose access claim lists a collection twice is refused
        twice = token([{"collection": THIS, "access": "r"}, {"collection": THIS, "access": "rw"}], HOUR)
        assert http.get("/collections", headers={"api-key": twice}).status_code == 401
