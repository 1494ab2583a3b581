"""Request size limits: 413 in each dialect's envelope, announced or streamed bodies alike."""

from __future__ import annotations

from typing import Iterator

import httpx
import openai
import pytest

from tests.live_server import Server

MB = 1024 * 1024


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = Server(tmp_path_factory.mktemp("limits") / "storage")
    server.start(
        env={
            "VECBASE__SERVICE__MAX_REQUEST_SIZE_MB": "1",
            "VECBASE__OPENAI__MAX_UPLOAD_SIZE_MB": "2",
            "VECBASE__SERVICE__MAX_FILTER_CONDITIONS": "50",
        }
    )
    try:
        yield server
    finally:
        server.stop()


def test_qdrant_body_over_the_limit(small: Server) -> None:
    with httpx.Client(base_url=small.url) as http:
        assert http.put("/collections/c", json={"vectors": {"size": 2, "distance": "Dot"}}).status_code == 200
        points = [{"id": i, "vector": [0.5, 0.5], "payload": {"text": "x" * 200}} for i in range(6000)]
        r = http.put("/collections/c/points", json={"points": points})
        assert r.status_code == 413 and "larger than allowed" in r.json()["status"]["error"]

        def chunks() -> Iterator[bytes]:  # no Content-Length: counted while streaming
            yield b'{"points": ['
            for i in range(6000):
                yield (b'{"id": %d, "vector": [0.5, 0.5], "payload": {"t": "' % i) + b"x" * 200 + b'"}},'
            yield b'{"id": 0, "vector": [0.5, 0.5]}]}'

        r = http.put("/collections/c/points", content=chunks(), headers={"content-type": "application/json"})
        assert r.status_code == 413
        assert http.post("/collections/c/points/count", json={}).json()["result"]["count"] == 0
        small_batch = [{"id": i, "vector": [0.5, 0.5]} for i in range(10)]
        assert http.put("/collections/c/points?wait=true", json={"points": small_batch}).status_code == 200


def test_openai_uploads_have_their_own_limit(small: Server) -> None:
    client = openai.OpenAI(base_url=small.url + "/v1", api_key="x", max_retries=0)
    ok = client.files.create(file=("big.txt", b"a" * int(1.5 * MB)), purpose="assistants")
    assert ok.bytes == int(1.5 * MB)
    with pytest.raises(openai.APIStatusError) as info:
        client.files.create(file=("huge.txt", b"a" * int(2.5 * MB)), purpose="assistants")
    assert info.value.status_code == 413
    with pytest.raises(openai.APIStatusError) as info:
        client.vector_stores.create(name="x" * int(1.2 * MB))
    assert info.value.status_code == 413


def test_analyticdb_body_over_the_limit(small: Server) -> None:
    r = httpx.post(
        small.url + "/",
        headers={"x-acs-action": "ListNamespaces", "content-type": "application/x-www-form-urlencoded"},
        content=b"Rows=" + b"a" * int(1.2 * MB),
    )
    assert r.status_code == 413 and r.json()["Code"] == "RequestTooLarge"


def test_filter_condition_limit_in_every_dialect(small: Server) -> None:
    with httpx.Client(base_url=small.url) as http:
        http.put("/collections/f", json={"vectors": {"size": 2, "distance": "Dot"}}).raise_for_status()

        def count(n: int) -> httpx.Response:
            nested = {"should": [{"key": "a", "match": {"value": i}} for i in range(n - 1)]}
            return http.post("/collections/f/points/count", json={"filter": {"must": [nested]}})

        assert count(50).status_code == 200
        r = count(51)
        assert r.status_code == 400 and "Filter condition limit reached (51 > 50)" in r.json()["status"]["error"]
        prefetched = {
            "prefetch": [
                {"query": [1, 0], "filter": {"must": [{"key": "a", "match": {"value": i}} for i in range(60)]}}
            ],
            "query": [1, 0],
        }
        assert http.post("/collections/f/points/query", json=prefetched).status_code == 400
        adb = {"content-type": "application/x-www-form-urlencoded"}
        http.post("/", headers={**adb, "x-acs-action": "InitVectorDatabase"}, content=b"ManagerAccountPassword=p")
        http.post(
            "/",
            headers={**adb, "x-acs-action": "CreateCollection"},
            content=b'Collection=c&Dimension=2&Metadata={"a": "int"}',
        ).raise_for_status()
        where = " OR ".join(f"a = {i}" for i in range(51)).encode()
        r = http.post(
            "/",
            headers={**adb, "x-acs-action": "QueryCollectionData"},
            content=b"Collection=c&NamespacePassword=p&TopK=3&Vector=[1,0]&Filter=" + where,
        )
        assert r.status_code == 400 and "limit" in r.json()["Message"]
    client = openai.OpenAI(base_url=small.url + "/v1", api_key="x", max_retries=0)
    store = client.vector_stores.create(name="limits")
    many = {"type": "or", "filters": [{"type": "eq", "key": "k", "value": i} for i in range(51)]}
    with pytest.raises(openai.BadRequestError):
        client.vector_stores.search(vector_store_id=store.id, query="x", filters=many)  # type: ignore[arg-type]
    few = {"type": "or", "filters": [{"type": "eq", "key": "k", "value": i} for i in range(50)]}
    assert client.vector_stores.search(vector_store_id=store.id, query="x", filters=few).data == []  # type: ignore[arg-type]
