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
    server.start(env={"VECBASE__SERVICE__MAX_REQUEST_SIZE_MB": "1", "VECBASE__OPENAI__MAX_UPLOAD_SIZE_MB": "2"})
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
