"""The server-wide read-only mode and the alternate key, in every dialect."""

from __future__ import annotations

from typing import Iterator

import httpx
import openai
import pytest

from tests.live_server import Server


@pytest.fixture(scope="module")
def read_only(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    storage = tmp_path_factory.mktemp("ro") / "storage"
    # a collection made while writable, then the server restarted read-only
    with Server(storage) as writable, httpx.Client(base_url=writable.url) as http:
        http.put("/collections/c", json={"vectors": {"size": 2, "distance": "Dot"}}).raise_for_status()
        http.put("/collections/c/points?wait=true", json={"points": [{"id": 1, "vector": [1, 0]}]}).raise_for_status()
    server = Server(storage)
    server.start(env={"VECBASE__SERVICE__READ_ONLY": "true"})
    try:
        yield server
    finally:
        server.stop()


def test_read_only_mode_refuses_writes_everywhere(read_only: Server) -> None:
    with httpx.Client(base_url=read_only.url) as http:
        assert http.post("/collections/c/points/query", json={"query": [1, 0]}).json()["result"]["points"][0]["id"] == 1
        assert http.get("/collections/c").status_code == 200
        r = http.put("/collections/c/points", json={"points": [{"id": 2, "vector": [0, 1]}]})
        assert r.status_code == 403 and r.json()["status"]["error"].startswith("Forbidden:")
        assert http.delete("/collections/c").status_code == 403
        adb = {"content-type": "application/x-www-form-urlencoded"}
        r = http.post(
            "/", headers={**adb, "x-acs-action": "CreateNamespace"}, content=b"Namespace=n&NamespacePassword=p"
        )
        assert r.status_code == 403 and r.json()["Code"] == "Forbidden"
        assert http.post("/", headers={**adb, "x-acs-action": "ListNamespaces"}).status_code == 200
        assert http.get("/collections/c").json()["result"]["points_count"] == 1
    client = openai.OpenAI(base_url=read_only.url + "/v1", api_key="x", max_retries=0)
    assert client.vector_stores.list().data == []
    with pytest.raises(openai.PermissionDeniedError):
        client.vector_stores.create(name="nope")


def test_alternate_key(tmp_path_factory: pytest.TempPathFactory) -> None:
    server = Server(tmp_path_factory.mktemp("alt") / "storage")
    server.start(env={"VECBASE__SERVICE__API_KEY": "old", "VECBASE__SERVICE__ALT_API_KEY": "new"})
    try:
        for key, status in (("old", 200), ("new", 200), ("other", 401)):
            assert httpx.get(server.url + "/collections", headers={"api-key": key}).status_code == status
    finally:
        server.stop()
