"""Every operation of the vector-stores API through the official ``openai`` client."""

from __future__ import annotations

import time

import httpx
import openai
import pytest

DOCS = {
    "fox.txt": b"The quick brown fox jumps over the lazy dog. Foxes are quick and clever animals.",
    "db.md": b"# Vector databases\n\nA vector database stores embeddings and searches them by similarity.",
    "cooking.html": b"<html><head><style>p{}</style></head><body><h1>Pasta</h1><p>Boil water, add salt and pasta."
    b"</p><script>var x=1;</script></body></html>",
}


def upload(client: openai.OpenAI, name: str, data: bytes, purpose: str = "assistants") -> str:
    return client.files.create(file=(name, data), purpose=purpose).id  # type: ignore[arg-type]


def test_files_lifecycle(client: openai.OpenAI) -> None:
    created = client.files.create(file=("notes.txt", b"hello files"), purpose="assistants")
    assert created.object == "file" and created.id.startswith("file-")
    assert created.bytes == 11 and created.filename == "notes.txt" and created.purpose == "assistants"
    assert client.files.retrieve(created.id) == created
    assert client.files.content(created.id).content == b"hello files"
    other = client.files.create(file=("data.jsonl", b'{"a": 1}\n'), purpose="user_data")
    listed = [f.id for f in client.files.list()]
    assert listed.index(other.id) < listed.index(created.id)  # newest first
    assert [f.id for f in client.files.list(purpose="user_data")] == [other.id]
    assert [f.id for f in client.files.list(order="asc")][-1] == other.id
    deleted = client.files.delete(created.id)
    assert deleted.deleted and deleted.id == created.id and deleted.object == "file"
    with pytest.raises(openai.NotFoundError):
        client.files.retrieve(created.id)
    with pytest.raises(openai.BadRequestError):
        client.files.create(file=("x.txt", b"x"), purpose="nonsense")  # type: ignore[arg-type]


def test_store_lifecycle_and_search(client: openai.OpenAI) -> None:
    ids = {name: upload(client, name, data) for name, data in DOCS.items()}
    store = client.vector_stores.create(
        name="docs",
        description="three documents",
        metadata={"team": "search"},
        expires_after={"anchor": "last_active_at", "days": 7},
        file_ids=[ids["fox.txt"], ids["db.md"]],
    )
    assert store.object == "vector_store" and store.id.startswith("vs_")
    assert store.name == "docs" and store.metadata == {"team": "search"}
    assert store.expires_after is not None and store.expires_after.days == 7
    assert store.expires_at == store.last_active_at + 7 * 86400
    assert store.file_counts.total == 2
    attached = client.vector_stores.files.create_and_poll(
        vector_store_id=store.id, file_id=ids["cooking.html"], attributes={"topic": "food", "rating": 4}
    )
    assert attached.status == "completed" and attached.last_error is None
    assert attached.attributes == {"topic": "food", "rating": 4}
    assert attached.chunking_strategy is not None and attached.chunking_strategy.type == "static"
    for file_id in (ids["fox.txt"], ids["db.md"]):
        assert client.vector_stores.files.poll(file_id, vector_store_id=store.id).status == "completed"
    store = client.vector_stores.retrieve(store.id)
    assert store.status == "completed" and store.usage_bytes > 0
    assert store.file_counts.model_dump() == {"in_progress": 0, "completed": 3, "failed": 0, "cancelled": 0, "total": 3}

    page = client.vector_stores.search(vector_store_id=store.id, query="fast fox jumping over a dog")
    assert page.search_query == ["fast fox jumping over a dog"]
    assert page.data[0].file_id == ids["fox.txt"] and page.data[0].filename == "fox.txt"
    assert all(0.0 <= hit.score <= 1.0 for hit in page.data)
    assert [h.score for h in page.data] == sorted((h.score for h in page.data), reverse=True)
    assert "quick brown fox" in page.data[0].content[0].text
    html = client.vector_stores.files.content(file_id=ids["cooking.html"], vector_store_id=store.id)
    text = " ".join(c.text or "" for c in html.data)
    assert "Boil water" in text and "var x" not in text and "p{}" not in text

    only_food = client.vector_stores.search(
        vector_store_id=store.id, query="fox", filters={"type": "eq", "key": "topic", "value": "food"}
    )
    assert [h.file_id for h in only_food.data] == [ids["cooking.html"]]
    assert only_food.data[0].attributes == {"topic": "food", "rating": 4}

    updated = client.vector_stores.files.update(
        vector_store_id=store.id, file_id=ids["cooking.html"], attributes={"topic": "recipes"}
    )
    assert updated.attributes == {"topic": "recipes"}
    recipes = client.vector_stores.search(
        vector_store_id=store.id, query="pasta", filters={"type": "eq", "key": "topic", "value": "recipes"}
    )
    assert [h.file_id for h in recipes.data] == [ids["cooking.html"]]

    modified = client.vector_stores.update(store.id, name="renamed", metadata={"team": "infra"})
    assert modified.name == "renamed" and modified.metadata == {"team": "infra"}
    assert modified.expires_after is not None  # untouched fields stay

    client.vector_stores.files.delete(file_id=ids["db.md"], vector_store_id=store.id)
    with pytest.raises(openai.NotFoundError):
        client.vector_stores.files.retrieve(file_id=ids["db.md"], vector_store_id=store.id)
    hits = client.vector_stores.search(vector_store_id=store.id, query="vector database embeddings")
    assert ids["db.md"] not in {h.file_id for h in hits.data}

    # deleting a file removes it from every store
    client.files.delete(ids["fox.txt"])
    assert client.vector_stores.retrieve(store.id).file_counts.total == 1
    hits = client.vector_stores.search(vector_store_id=store.id, query="quick brown fox")
    assert ids["fox.txt"] not in {h.file_id for h in hits.data}

    gone = client.vector_stores.delete(store.id)
    assert gone.deleted and gone.object == "vector_store.deleted"
    with pytest.raises(openai.NotFoundError):
        client.vector_stores.retrieve(store.id)


def test_store_pagination(client: openai.OpenAI) -> None:
    made = [client.vector_stores.create(name=f"page-{i}").id for i in range(5)]
    first = client.vector_stores.list(limit=2, order="asc", after=None)
    assert first.has_more is True and len(first.data) == 2
    everything = [s.id for s in client.vector_stores.list(limit=2, order="asc")]  # auto-pagination
    assert [i for i in everything if i in made] == made
    desc = [s.id for s in client.vector_stores.list(limit=100)]
    assert [i for i in desc if i in made] == made[::-1]
    before = client.vector_stores.list(limit=2, order="asc", before=made[3])
    assert [s.id for s in before.data] == made[1:3]
    for store_id in made:
        client.vector_stores.delete(store_id)


def test_file_batches(client: openai.OpenAI) -> None:
    store = client.vector_stores.create(name="batches")
    batch = client.vector_stores.file_batches.upload_and_poll(
        vector_store_id=store.id,
        files=[(f"doc{i}.txt", f"document number {i} about topic {i % 2}".encode()) for i in range(6)],
    )
    assert batch.object == "vector_store.files_batch" and batch.id.startswith("vsfb_")
    assert batch.status == "completed" and batch.file_counts.completed == 6 and batch.file_counts.total == 6
    listed = client.vector_stores.file_batches.list_files(batch_id=batch.id, vector_store_id=store.id, limit=4)
    assert len(listed.data) == 4 and listed.has_more
    assert len(list(client.vector_stores.file_batches.list_files(batch_id=batch.id, vector_store_id=store.id))) == 6
    completed = client.vector_stores.files.list(vector_store_id=store.id, filter="completed")
    assert len(completed.data) == 6
    assert client.vector_stores.files.list(vector_store_id=store.id, filter="failed").data == []
    again = client.vector_stores.file_batches.retrieve(batch.id, vector_store_id=store.id)
    assert again.id == batch.id and again.status == "completed"
    # per-file attributes and chunking
    a, b = upload(client, "a.txt", b"alpha text"), upload(client, "b.txt", b"beta text")
    per_file = client.vector_stores.file_batches.create_and_poll(
        vector_store_id=store.id,
        files=[
            {"file_id": a, "attributes": {"k": "a"}},
            {
                "file_id": b,
                "chunking_strategy": {
                    "type": "static",
                    "static": {"max_chunk_size_tokens": 100, "chunk_overlap_tokens": 50},
                },
            },
        ],
    )
    assert per_file.status == "completed"
    fb = client.vector_stores.files.retrieve(file_id=b, vector_store_id=store.id)
    assert fb.chunking_strategy is not None and fb.chunking_strategy.static.max_chunk_size_tokens == 100  # type: ignore[union-attr]
    assert client.vector_stores.files.retrieve(file_id=a, vector_store_id=store.id).attributes == {"k": "a"}
    cancelled = client.vector_stores.file_batches.cancel(batch.id, vector_store_id=store.id)
    assert cancelled.status == "completed"  # nothing left to cancel


def test_unsupported_and_invalid_files_fail_with_a_reason(client: openai.OpenAI) -> None:
    store = client.vector_stores.create(name="failures")
    binary = upload(client, "image.png", b"\x89PNG\r\n\x1a\n\x00\x00")
    broken = upload(client, "broken.pdf", b"%PDF-1.4 this is not a pdf")
    bad_json = upload(client, "bad.json", b"{not json")
    for file_id, code in ((binary, "unsupported_file"), (broken, "invalid_file"), (bad_json, "invalid_file")):
        done = client.vector_stores.files.create_and_poll(vector_store_id=store.id, file_id=file_id)
        assert done.status == "failed"
        assert done.last_error is not None and done.last_error.code == code and done.last_error.message
    counts = client.vector_stores.retrieve(store.id).file_counts
    assert counts.failed == 3 and counts.in_progress == 0


def test_errors_in_openai_envelope(client: openai.OpenAI, http: httpx.Client) -> None:
    store = client.vector_stores.create(name="errors")
    with pytest.raises(openai.NotFoundError):
        client.vector_stores.files.create(vector_store_id=store.id, file_id="file-missing")
    with pytest.raises(openai.BadRequestError) as info:
        client.vector_stores.search(vector_store_id=store.id, query="x", max_num_results=51)
    assert info.value.status_code == 400
    r = http.post(f"/vector_stores/{store.id}/search", json={"query": "x", "max_num_results": 0})
    body = r.json()
    assert r.status_code == 400 and set(body["error"]) == {"message", "type", "param", "code"}
    assert body["error"]["param"] == "max_num_results" and body["error"]["type"] == "invalid_request_error"
    r = http.post("/vector_stores", json={"name": "x", "unknown_field": 1})
    assert r.status_code == 400 and "unknown_field" in r.json()["error"]["message"]
    r = http.post("/vector_stores", json={"metadata": {f"k{i}": "v" for i in range(17)}})
    assert r.status_code == 400 and r.json()["error"]["param"] == "metadata"
    upload_id = upload(client, "n.txt", b"some words")
    bad_attrs = [
        {f"k{i}": 1 for i in range(17)},
        {"k" * 65: 1},
        {"k": "v" * 513},
        {"k": [1, 2]},
    ]
    for attributes in bad_attrs:
        r = http.post(f"/vector_stores/{store.id}/files", json={"file_id": upload_id, "attributes": attributes})
        assert r.status_code == 400, attributes
    for size, overlap in ((99, 0), (4097, 0), (200, 101), (200, -1)):
        strategy = {"type": "static", "static": {"max_chunk_size_tokens": size, "chunk_overlap_tokens": overlap}}
        r = http.post(f"/vector_stores/{store.id}/files", json={"file_id": upload_id, "chunking_strategy": strategy})
        assert r.status_code == 400, (size, overlap)
    r = http.post(f"/vector_stores/{store.id}/file_batches", json={"file_ids": ["f"] * 2001})
    assert r.status_code == 400
    r = http.post(f"/vector_stores/{store.id}/file_batches", json={})
    assert r.status_code == 400
    r = http.get("/vector_stores", params={"limit": 101})
    assert r.status_code == 400 and r.json()["error"]["param"] == "limit"
    r = http.post(
        f"/vector_stores/{store.id}/search", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert r.status_code == 400
    r = http.get("/no/such/endpoint")
    assert r.status_code == 404 and "error" in r.json()


def test_upload_and_poll_and_cancel(client: openai.OpenAI) -> None:
    store = client.vector_stores.create(name="cancel")
    one = client.vector_stores.files.upload_and_poll(vector_store_id=store.id, file=("single.txt", b"a single file"))
    assert one.status == "completed"
    text = " ".join(["long document text with many words"] * 120)
    ids = [upload(client, f"long{i}.txt", f"{i} {text}".encode()) for i in range(30)]
    batch = client.vector_stores.file_batches.create(vector_store_id=store.id, file_ids=ids)
    cancelled = client.vector_stores.file_batches.cancel(batch.id, vector_store_id=store.id)
    assert cancelled.status == "cancelled"
    assert cancelled.file_counts.in_progress == 0
    assert cancelled.file_counts.cancelled + cancelled.file_counts.completed == 30
    assert cancelled.file_counts.cancelled > 0
    states = {f.id: f.status for f in client.vector_stores.file_batches.list_files(batch.id, vector_store_id=store.id)}
    assert set(states.values()) <= {"completed", "cancelled"}
    # a cancelled file leaves no chunks behind, even one cancelled while being written
    time.sleep(2)
    hits = client.vector_stores.search(vector_store_id=store.id, query="long document text", max_num_results=50)
    assert {h.file_id for h in hits.data} <= {f for f, s in states.items() if s == "completed"} | {one.id}
