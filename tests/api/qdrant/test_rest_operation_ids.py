"""Operation ids and point versions count as Qdrant's write-ahead log does: from 0, one per
logged operation, payload index and named-vector changes included; a point's ``version`` is
the id of the operation that last wrote it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from tests.api.qdrant.rest import ok
from tests.live_server import Server


def _op(http: httpx.Client, method: str, path: str, body: Any = None) -> int:
    result = ok(http.request(method, path + "?wait=true", json=body))
    assert result["status"] == "completed"
    return int(result["operation_id"])


def _versions(http: httpx.Client, name: str) -> dict[int, int]:
    points = ok(http.post(f"/collections/{name}/points/query", json={"query": [1, 0], "limit": 10}))["points"]
    return {p["id"]: p["version"] for p in points}


def test_operation_ids_and_versions_start_at_zero(tmp_path: Path) -> None:
    with Server(tmp_path / "storage") as server, httpx.Client(base_url=server.url) as http:
        ok(http.put("/collections/ops", json={"vectors": {"size": 2, "distance": "Dot"}}))
        p = "/collections/ops/points"
        assert _op(http, "PUT", p, {"points": [{"id": 1, "vector": [1, 0]}]}) == 0
        assert _versions(http, "ops") == {1: 0}
        assert _op(http, "PUT", p, {"points": [{"id": 2, "vector": [1, 1]}]}) == 1
        # collection-level changes take their numbers in the same sequence
        assert _op(http, "PUT", "/collections/ops/index", {"field_name": "k", "field_schema": "keyword"}) == 2
        assert _op(http, "PUT", "/collections/ops/vectors/extra", {"dense": {"size": 2, "distance": "Dot"}}) == 3
        assert _op(http, "POST", p + "/payload", {"payload": {"k": "a"}, "points": [1]}) == 4
        assert _versions(http, "ops") == {1: 4, 2: 1}
        assert _op(http, "DELETE", "/collections/ops/index/k") == 5
        server.stop()
        server.start()
        # after a restart the sequence goes on from the last logged operation
        assert _op(http, "PUT", p, {"points": [{"id": 3, "vector": [1, 0]}]}) == 6
        assert _versions(http, "ops") == {1: 4, 2: 1, 3: 6}
