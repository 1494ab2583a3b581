"""Compressed request bodies (``Content-Encoding: gzip`` / ``deflate``) in every dialect, and
the bodies that are not what they say, or inflate past the size limit."""

from __future__ import annotations

import gzip
import json
import zlib
from typing import Any, Iterator

import httpx
import pytest

from tests.live_server import Server


@pytest.fixture(scope="module")
def http(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    server = Server(tmp_path_factory.mktemp("encoding") / "storage")
    server.start(env={"VECBASE__SERVICE__MAX_REQUEST_SIZE_MB": "1"})
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            yield client
    finally:
        server.stop()


def packed(body: Any, coding: str) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(body).encode()
    data = gzip.compress(raw) if coding == "gzip" else zlib.compress(raw)
    return data, {"content-encoding": coding, "content-type": "application/json"}


@pytest.mark.parametrize("coding", ["gzip", "deflate"])
def test_qdrant_requests_inflate(http: httpx.Client, coding: str) -> None:
    name = f"packed-{coding}"
    data, headers = packed({"vectors": {"size": 2, "distance": "Dot"}}, coding)
    assert http.put(f"/collections/{name}", content=data, headers=headers).json()["result"] is True
    points = [{"id": i, "vector": [i, 1.0], "payload": {"n": i}} for i in range(300)]
    data, headers = packed({"points": points}, coding)
    r = http.put(f"/collections/{name}/points?wait=true", content=data, headers=headers)
    assert r.json()["result"]["status"] == "completed"
    data, headers = packed({"query": [1.0, 0.0], "limit": 2, "with_payload": True}, coding)
    hits = http.post(f"/collections/{name}/points/query", content=data, headers=headers).json()["result"]["points"]
    assert [(h["id"], h["payload"]) for h in hits] == [(299, {"n": 299}), (298, {"n": 298})]


def test_openai_request_inflates(http: httpx.Client) -> None:
    data, headers = packed({"name": "packed", "metadata": {"k": "v"}}, "gzip")
    store = http.post("/v1/vector_stores", content=data, headers=headers).json()
    assert store["name"] == "packed" and store["metadata"] == {"k": "v"}


def test_a_body_that_is_not_its_encoding_is_a_400(http: httpx.Client) -> None:
    headers = {"content-encoding": "gzip", "content-type": "application/json"}
    r = http.post("/collections/packed-gzip/points/query", content=b'{"query": [1, 0]}', headers=headers)
    assert r.status_code == 400
    assert r.json()["status"]["error"] == "Format error in JSON body: the body is not valid gzip data"
    cut = gzip.compress(b'{"query": [1, 0]}')[:12]  # a stream that stops part way
    assert http.post("/collections/packed-gzip/points/query", content=cut, headers=headers).status_code == 400
    r = http.post("/v1/vector_stores", content=b"{}", headers=headers)
    assert r.status_code == 400 and r.json()["error"]["message"] == "the body is not valid gzip data."


def test_an_unknown_encoding_is_a_415(http: httpx.Client) -> None:
    r = http.post("/collections/x/points/query", content=b"{}", headers={"content-encoding": "br"})
    assert r.status_code == 415
    assert r.json()["status"]["error"] == "Unsupported Content-Encoding `br`: send the body as is, gzip or deflate"


def test_the_size_limit_counts_inflated_bytes(http: httpx.Client) -> None:
    """3 MB of points in 10 kB of gzip: 413 against the 1 MB limit, nothing written."""
    assert http.put("/collections/bomb", json={"vectors": {"size": 2, "distance": "Dot"}}).status_code == 200
    points = [{"id": i, "vector": [1.0, 1.0], "payload": {"pad": "x" * 100}} for i in range(25_000)]
    data, headers = packed({"points": points}, "gzip")
    assert len(data) < 100_000
    r = http.put("/collections/bomb/points?wait=true", content=data, headers=headers)
    assert r.status_code == 413 and "larger than allowed" in r.json()["status"]["error"]
    assert http.post("/collections/bomb/points/count", json={}).json()["result"]["count"] == 0
