"""Yandex AI Studio's variant of the API (``Api-Key`` authorization, projects as folders,
stores expiring from creation, pre-chunked uploads) and API-key checks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

import httpx
import openai
import pytest

from tests.live_server import Server

KEY = "secret-key"


@pytest.fixture(scope="module")
def keyed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = Server(tmp_path_factory.mktemp("keyed") / "storage")
    server.start(env={"VECBASE__SERVICE__API_KEY": KEY, "VECBASE__SERVICE__READ_ONLY_API_KEY": "reader"})
    try:
        yield server
    finally:
        server.stop()


def yandex(server: Server, project: str) -> openai.OpenAI:
    return openai.OpenAI(
        base_url=server.url + "/v1",
        api_key="unused",
        max_retries=0,
        default_headers={"Authorization": f"Api-Key {KEY}", "OpenAI-Project": project},
    )


def test_api_key_is_checked(keyed: Server) -> None:
    wrong = openai.OpenAI(base_url=keyed.url + "/v1", api_key="wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as info:
        wrong.vector_stores.list()
    assert info.value.status_code == 401
    body = httpx.get(keyed.url + "/v1/vector_stores").json()
    assert set(body["error"]) == {"message", "type", "param", "code"}
    bearer = openai.OpenAI(base_url=keyed.url + "/v1", api_key=KEY, max_retries=0)
    assert bearer.vector_stores.list().data == []
    assert yandex(keyed, "folder-a").vector_stores.list().data == []


def test_projects_are_kept_apart(keyed: Server) -> None:
    a, b = yandex(keyed, "folder-a"), yandex(keyed, "folder-b")
    file_a = a.files.create(file=("a.txt", b"private to folder a"), purpose="assistants")
    store_a = a.vector_stores.create(name="a", file_ids=[file_a.id])
    assert [s.id for s in a.vector_stores.list()] == [store_a.id]
    assert b.vector_stores.list().data == [] and b.files.list().data == []
    with pytest.raises(openai.NotFoundError):
        b.vector_stores.retrieve(store_a.id)
    with pytest.raises(openai.NotFoundError):
        b.files.retrieve(file_a.id)
    with pytest.raises(openai.NotFoundError):
        b.vector_stores.search(vector_store_id=store_a.id, query="private")
    store_b = b.vector_stores.create(name="b")
    with pytest.raises(openai.NotFoundError):  # b cannot attach a's file
        b.vector_stores.files.create(vector_store_id=store_b.id, file_id=file_a.id)


def test_expiry_anchored_at_creation(keyed: Server) -> None:
    c = yandex(keyed, "folder-a")
    store = c.vector_stores.create(name="short", expires_after={"anchor": "created_at", "days": 1})  # type: ignore[typeddict-item]
    assert store.expires_at == store.created_at + 86400
    assert store.expires_after is not None and store.expires_after.anchor == "created_at"  # type: ignore[comparison-overlap]


def test_prechunked_upload(keyed: Server, tmp_path: Path) -> None:
    c = yandex(keyed, "folder-a")
    lines = [{"body": "First chunk about rivers."}, {"body": "Second chunk about mountains."}]
    payload = "\n".join(json.dumps(line) for line in lines).encode()
    r = httpx.post(
        keyed.url + "/v1/files",
        headers={"Authorization": f"Api-Key {KEY}", "OpenAI-Project": "folder-a"},
        files={"file": ("chunks.jsonl", payload)},
        data={"purpose": "assistants", "format": "chunks"},
    )
    assert r.status_code == 200, r.text
    file_id = r.json()["id"]
    store = c.vector_stores.create(name="chunks")
    done = c.vector_stores.files.create_and_poll(vector_store_id=store.id, file_id=file_id)
    assert done.status == "completed"
    content = c.vector_stores.files.content(file_id=file_id, vector_store_id=store.id)
    assert [part.text for part in content.data] == [line["body"] for line in lines]
    hits = c.vector_stores.search(vector_store_id=store.id, query="mountains")
    assert hits.data[0].content[0].text == "Second chunk about mountains."


def test_read_only_key_reads_and_searches(keyed: Server) -> None:
    writer = yandex(keyed, "folder-ro")
    store = writer.vector_stores.create(
        name="ro", file_ids=[writer.files.create(file=("a.txt", b"alpha beta"), purpose="assistants").id]
    )
    reader = openai.OpenAI(
        base_url=keyed.url + "/v1", api_key="reader", max_retries=0, default_headers={"OpenAI-Project": "folder-ro"}
    )
    assert reader.vector_stores.retrieve(store.id).id == store.id
    reader.vector_stores.search(vector_store_id=store.id, query="alpha")
    with pytest.raises(openai.PermissionDeniedError):
        reader.vector_stores.create(name="nope")
    with pytest.raises(openai.PermissionDeniedError):
        reader.files.delete("file-x")
